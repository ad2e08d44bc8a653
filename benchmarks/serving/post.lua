-- wrk script of benchmarks/serving/run.sh: POST one V2 inference request body, repeatedly.
--   BODY_FILE  file holding the body (read once, at start-up)
--   HDR_LEN    if set and non-empty: a binary tensor extension body; sends
--              Inference-Header-Content-Length: HDR_LEN and Content-Type: application/octet-stream
--              (otherwise Content-Type: application/json)
local path = os.getenv("BODY_FILE")
local f = assert(io.open(path or "", "rb"), "BODY_FILE must name a readable file")
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
local hdr_len = os.getenv("HDR_LEN")
if hdr_len ~= nil and hdr_len ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = hdr_len
else
  wrk.headers["Content-Type"] = "application/json"
end
