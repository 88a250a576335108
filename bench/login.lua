-- The fastapi JSON login of one account (every request verifies its argon2id hash).
wrk.method = "POST"
wrk.path = "/api/auth/token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"),
                         os.getenv("BENCH_PASSWORD"))
