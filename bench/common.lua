-- Prepended to every bench script: gives each wrk thread its index, counts the statuses it saw,
-- and prints one `BENCH {...}` JSON line with the run's figures for scripts/bench to read.
local threads = {}
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
  thread:set("thread_count", tonumber(os.getenv("BENCH_WRK_THREADS")) or 1)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if on_response then on_response(status, headers, body) end
end

function done(summary, latency, requests)
  local totals, counts = {}, {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do totals[status] = (totals[status] or 0) + n end
  end
  for status, n in pairs(totals) do counts[#counts + 1] = string.format('"%d":%d', status, n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"socket_errors":%d,"non_2xx_3xx":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status,
    table.concat(counts, ",")))
end

-- One token per line of the file named by BENCH_TOKENS; each thread takes its own share.
function token_share()
  local all = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do all[#all + 1] = line end
  local share = {}
  for i = thread_index, #all, thread_count do share[#share + 1] = all[i] end
  return share
end
