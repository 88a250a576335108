-- Setting up the booking bench: for each "email code" line of the thread's share of
-- BENCH_TOKENS, ConfirmSignUp and then the autoSignIn InitiateAuth; the id token goes to
-- BENCH_OUT<thread>. Run with one connection per thread, so that each answer belongs to the
-- request before it.
local pool, out, email, session
local function call(op, body)
  return wrk.format("POST", "/cognito", {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = "AWSCognitoIdentityProviderService." .. op }, body)
end

function init(args)
  pool = token_share()
  out = io.open(os.getenv("BENCH_OUT") .. thread_index, "w")
end

function request()
  if session then
    return call("InitiateAuth", string.format(
      '{"ClientId":"bench","AuthFlow":"USER_AUTH","Session":"%s","AuthParameters":{"USERNAME":"%s"}}',
      session, email))
  end
  local line = table.remove(pool)
  if not line then
    wrk.thread:stop()
    line = "done@bench.example.com 0"
  end
  local code
  email, code = line:match("^(%S+) (%S+)$")
  return call("ConfirmSignUp", string.format(
    '{"ClientId":"bench","Username":"%s","ConfirmationCode":"%s"}', email, code))
end

function on_response(status, headers, body)
  if session then
    session = nil
    local token = body:match('"IdToken":"([^"]+)"')
    if token then
      out:write(token, "\n")
      out:flush()
    end
  else
    session = status == 200 and body:match('"Session":"([^"]+)"') or nil
  end
end
