-- wrk script: POST a JSON body read from the file named by env BODY_FILE to /clickstream.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/clickstream"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
-- The User-Agent from env USER_AGENT (ingest.sh passes bench/ingest_bodies.bash's real browser's).
wrk.headers["User-Agent"] = assert(os.getenv("USER_AGENT"), "USER_AGENT is not set")

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
