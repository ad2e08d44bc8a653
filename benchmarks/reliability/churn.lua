-- wrk script of benchmarks/reliability/churn.py: one request per connection
-- (`Connection: close`), cycling through the requests listed in $CHURN_MANIFEST:
-- one line per request, "path<TAB>content type<TAB>body file", repeated for weight.
-- Each wrk thread starts at its own offset so the kinds interleave across connections.
local requests = {}
local n = 0
local start = 0

local function load()
  local manifest = assert(io.open(os.getenv("CHURN_MANIFEST") or "", "r"), "CHURN_MANIFEST must name a file")
  local bodies = {}
  for line in manifest:lines() do
    local path, ctype, file = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if path then
      if not bodies[file] then
        local f = assert(io.open(file, "rb"), "cannot read " .. file)
        bodies[file] = f:read("*a")
        f:close()
      end
      n = n + 1
      requests[n] = wrk.format("POST", path, {
        ["Host"] = "127.0.0.1",
        ["Content-Type"] = ctype,
        ["Connection"] = "close",
      }, bodies[file])
    end
  end
  manifest:close()
  assert(n > 0, "empty manifest")
end

local thread_counter = 0
function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("offset", thread_counter * 7)
end

function init(args)
  load()
  start = tonumber(rawget(_G, "offset")) or 0
end

local i = 0
function request()
  i = i + 1
  return requests[((i + start) % n) + 1]
end
