-- Storefront refreshes: each request spends one refresh token of the thread's pool and each
-- answer puts its rotated successor back, so no token is ever presented twice (which would be
-- reuse, not rotation).
local pool, last

function init(args)
  pool = token_share()
end

function request()
  local token = table.remove(pool, 1) or last
  last = token
  return wrk.format("POST", "/api/auth/refresh", { Cookie = "refreshToken=" .. token })
end

function on_response(status, headers)
  local cookie = headers["Set-Cookie"]
  local token = status == 200 and cookie and cookie:match("refreshToken=([^;]+)")
  if token then table.insert(pool, token) end
end
