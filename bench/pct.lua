-- wrk script: requests/s and latency percentiles in milliseconds, one line of JSON.
--
-- With arguments (`wrk ... -s pct.lua URL -- FILE`), each thread sends the requests of
-- FILE in turn, one per line: METHOD<TAB>PATH<TAB>COOKIE<TAB>BODY. Lines are dealt out to
-- the threads so that no two threads send the same line; a thread that has sent all of
-- its lines starts again from its first (the bench reports when that happened).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local lines = nil
local index = 0
wrapped = 0

function init(args)
  if args[1] == nil then
    return
  end
  local nthreads = tonumber(args[2] or "1")
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for k, v in pairs(wrk.headers) do
        headers[k] = v
      end
      headers["Cookie"] = cookie
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      if body == "" then
        body = nil
      end
      table.insert(lines, wrk.format(method, path, headers, body))
    end
    n = n + 1
  end
end

function request()
  if lines == nil then
    return wrk.request()
  end
  index = index + 1
  if index > #lines then
    index = 1
    wrapped = wrapped + 1
  end
  return lines[index]
end

done = function(summary, latency, requests)
  local w = 0
  for _, thread in ipairs(threads) do
    w = w + (thread:get("wrapped") or 0)
  end
  io.write(string.format('{"rps": %.1f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d, "requests": %d, "wrapped": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.requests, w))
end
