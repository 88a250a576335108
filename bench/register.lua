-- fastapi registrations, each with a new username and email (each hashes a password).
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  local name = string.format("%s%dn%d", os.getenv("BENCH_PREFIX"), thread_index, counter)
  return wrk.format("POST", "/api/auth/register", headers, string.format(
    '{"username":"%s","email":"%s@bench.example.com","password":"bench-password-1"}', name, name))
end
