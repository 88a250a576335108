-- GET BENCH_PATH, with BENCH_TOKEN as a bearer token when set.
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/"
if os.getenv("BENCH_TOKEN") then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end
