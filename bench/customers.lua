-- Booking profile creations: each request uses a new user's id token from the thread's pool.
-- A pool that runs dry repeats its last token, which answers 409 and shows in the statuses.
local pool, last
local body = '{"name":"Bench Customer","phone":"+34 612 345 678","preferred_language":"es"}'

function init(args)
  pool = token_share()
end

function request()
  local token = table.remove(pool) or last
  last = token
  return wrk.format("POST", "/api/customers/me", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
