-- Setting up the booking bench: BENCH_QUOTA passwordless sign-ups per thread, new addresses
-- (scripts/bench then reads the mailed codes).
local counter = 0
local headers = { ["Content-Type"] = "application/x-amz-json-1.1",
                  ["X-Amz-Target"] = "AWSCognitoIdentityProviderService.SignUp" }
local quota = tonumber(os.getenv("BENCH_QUOTA"))

function request()
  counter = counter + 1
  local email = string.format("%st%dn%d@bench.example.com", os.getenv("BENCH_PREFIX"),
                              thread_index, counter)
  return wrk.format("POST", "/cognito", headers,
                    string.format('{"ClientId":"bench","Username":"%s"}', email))
end

function on_response()
  if counter >= quota then wrk.thread:stop() end
end
