-- wrk script of benchmarks/services/run.py: POST one file as the body, repeatedly.
--   BODY_FILE     the body (read once at start-up)
--   CONTENT_TYPE  its Content-Type
local f = assert(io.open(os.getenv("BODY_FILE") or "", "rb"), "BODY_FILE must name a readable file")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/octet-stream"
