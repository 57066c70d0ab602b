-- wrk script for benchmarks/load/cardinality.sh: every request has its own path; CDN-Loop ids and
-- CloudFront POP names cycle over CDN_LOOPS and POPS made-up values; each thread stops after
-- PER_THREAD responses. Three of four paths are distinct spellings of /app.js (served, cacheable),
-- the fourth a distinct missing file (404).
local per_thread = tonumber(os.getenv("PER_THREAD") or "250000")
local loops = tonumber(os.getenv("CDN_LOOPS") or "10000")
local pops = tonumber(os.getenv("POPS") or "10000")
local next_id = 0
local all = {}

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(all, thread)
end

local function letters(n)
  local s = ""
  for _ = 1, 5 do
    s = string.char(65 + n % 26) .. s
    n = math.floor(n / 26)
  end
  return s
end

function init(args)
  sent = 0
  received = 0
  statuses = {}
end

function request()
  local n = tid * per_thread + sent
  sent = sent + 1
  local path
  if n % 4 == 3 then path = "/missing/" .. n .. ".png" else path = "/c/" .. n .. "/../../app.js" end
  local h = { ["CDN-Loop"] = "loop-" .. (n % loops) }
  if n % 2 == 1 then
    h["X-Amz-Cf-Id"] = "Qa1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz=="
    h["X-Amz-Cf-Pop"] = letters(n % pops) .. "5-P1"
  end
  return wrk.format("GET", path, h)
end

function response(status, headers, body)
  received = received + 1
  statuses[status] = (statuses[status] or 0) + 1
  if received >= per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total, s200, s404 = 0, 0, 0
  for _, t in ipairs(all) do
    total = total + t:get("received")
    local st = t:get("statuses")
    s200 = s200 + (st[200] or 0)
    s404 = s404 + (st[404] or 0)
  end
  io.write(string.format("cardinality.lua: responses=%d status200=%d status404=%d\n", total, s200, s404))
end
