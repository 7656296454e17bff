#!/usr/bin/env bash
# bench/ingest.sh: sbw-ingest (local-folder lake, durable acks) vs nginx answering 204 with an
# access log — the classic pixel collector — under wrk on loopback, in the same run.
#   (a) one event per request   (b) 50-event batches
# Prints req/s, events/s, p50/p99, peak RSS and the ratios; writes var/bench/ingest-*.json.
# Not a test: numbers depend on the machine. Usage: ./sbw bench ingest [--duration S] [--connections N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
DUR=10; CONN=128; THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DUR=$2; shift 2 ;;
    --connections) CONN=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (./sbw bench installs them)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-ingest.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { local p; while :; do p=$(( 20000 + RANDOM % 20000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# Bodies: one original-storefront event, and an array of 50.
one='{"eventName":"product_view","pageUrl":"https://shop.example/product/ban-phim-aula-m75-tm","referrer":null,"userId":null,"userLoginState":"anonymous","clientId":"7d3f2a10-1111-4222-8333-444455556666","sessionId":"0c1a2b3c-1111-4222-8333-444455556666","isFirstVisit":false,"product":{"id":"prod_aula_m75_tm","name":"Ban phim AULA M75 TM","category":"keyboard","brand":"AULA","price":1990000,"discountPrice":1790000,"urlPath":"/product/ban-phim-aula-m75-tm"}}'
printf '%s' "$one" > "$work/one.json"
{ printf '['; for i in $(seq 1 50); do [ "$i" -gt 1 ] && printf ','; printf '%s' "$one"; done; printf ']'; } > "$work/batch.json"

run_wrk() { # port body_file -> "rps p50 p99 non2xx errors"
  BODY_FILE=$2 wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency -s "$ROOT/bench/post.lua" "http://127.0.0.1:$1" \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
             printf "%.1f %d %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"], v["p99_us"], v["non2xx"], v["errors"] }'
}
# CPU seconds (user + system) used so far by a process and its children (nginx's workers).
cpu_s() { local t=0 c; for c in "$1" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat"))); done
          awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'; }
# run_wrk with the server's CPU time per request appended (microseconds).
run_measured() { # pid port body_file -> "rps p50 p99 non2xx errors cpu_us_per_req"
  local c0 c1 r; c0=$(cpu_s "$1"); r=$(run_wrk "$2" "$3"); c1=$(cpu_s "$1")
  awk -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b - a}')" -v d="$DUR" '{ printf "%s %.1f\n", $0, c * 1e6 / ($1 * d) }' <<<"$r"; }
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# nginx: the anchor. worker_processes auto (one per core, Debian's default): sbw-ingest may use
# every core too, so the anchor gets the same machine.
nport=$(free_port)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nport;
    location = /clickstream { return 204; }
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
npid=$!
pids+=($npid)
wait_port "$nport"

# sbw-ingest with the local-folder lake, durable acknowledgements (fsync) on.
iport=$(free_port)
SBW_INGEST_LISTEN=127.0.0.1:$iport SBW_LAKE=file://$work/lake SBW_LOG_LEVEL=warn SBW_INGEST_THREADS=$((CONN + 16)) \
  "$BUILD/ingest/sbw-ingest" > "$work/ingest.log" 2>&1 &
ipid=$!
pids+=($ipid)
wait_port "$iport"

echo "wrk: $THREADS threads, $CONN connections, ${DUR}s per run, loopback, $(nproc) cores; nginx workers: $(pgrep -c -P "$npid")"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
read -r n_rps n_p50 n_p99 n_bad n_err n_cpu < <(run_measured "$npid" "$nport" "$work/one.json")
read -r a_rps a_p50 a_p99 a_bad a_err a_cpu < <(run_measured "$ipid" "$iport" "$work/one.json")
read -r b_rps b_p50 b_p99 b_bad b_err b_cpu < <(run_measured "$ipid" "$iport" "$work/batch.json")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
rss=$(peak_rss_mb "$ipid")
objects=$(find "$work/lake" -type f -name 'event-*.json' | wc -l)
lines=$(find "$work/lake" -type f -name 'event-*.json' -exec cat {} + | wc -l)

awk -v n="$n_rps" -v a="$a_rps" -v b="$b_rps" -v np50="$n_p50" -v np99="$n_p99" \
    -v nc="$n_cpu" -v ac="$a_cpu" -v bc="$b_cpu" -v load0="$load0" -v load1="$load1" \
    -v ap50="$a_p50" -v ap99="$a_p99" -v bp50="$b_p50" -v bp99="$b_p99" -v rss="$rss" \
    -v bad="$((a_bad + b_bad + a_err + b_err))" -v objects="$objects" -v lines="$lines" 'BEGIN {
  printf "%-34s %12s %12s %9s %9s %12s\n", "run", "req/s", "events/s", "p50 ms", "p99 ms", "CPU us/req"
  printf "%-34s %12.0f %12.0f %9.2f %9.2f %12.1f\n", "nginx 204 + access_log (anchor)", n, n, np50/1000, np99/1000, nc
  printf "%-34s %12.0f %12.0f %9.2f %9.2f %12.1f\n", "sbw-ingest, 1 event/request", a, a, ap50/1000, ap99/1000, ac
  printf "%-34s %12.0f %12.0f %9.2f %9.2f %12.1f\n", "sbw-ingest, 50 events/request", b, b*50, bp50/1000, bp99/1000, bc
  printf "\nratio (a) sbw req/s / nginx req/s       = %.2f  (target >= 0.5)\n", a/n
  printf "ratio (b) sbw events/s / nginx req/s    = %.1f  (target >= 10)\n", b*50/n
  printf "sbw-ingest peak RSS = %s MB; lake: %d objects, %d events; failed requests: %d\n", rss, objects, lines, bad
  printf "load average before / after: %s / %s (CPU us/req: the server'"'"'s own CPU time per request)\n", load0, load1
}'
mkdir -p "$ROOT/var/bench"
out="$ROOT/var/bench/ingest-$(date -u +%Y%m%dT%H%M%SZ).json"
printf '{"nginx_rps":%s,"single_rps":%s,"batch_rps":%s,"batch_events_per_s":%s,"cpu_us_per_req":{"nginx":%s,"single":%s,"batch":%s},"load_before":"%s","load_after":"%s","p99_ms":{"nginx":%s,"single":%s,"batch":%s},"peak_rss_mb":%s,"duration_s":%s,"connections":%s}\n' \
  "$n_rps" "$a_rps" "$b_rps" "$(awk -v b="$b_rps" 'BEGIN{print b*50}')" "$n_cpu" "$a_cpu" "$b_cpu" "$load0" "$load1" \
  "$(awk -v x="$n_p99" 'BEGIN{print x/1000}')" "$(awk -v x="$a_p99" 'BEGIN{print x/1000}')" \
  "$(awk -v x="$b_p99" 'BEGIN{print x/1000}')" "$rss" "$DUR" "$CONN" > "$out"
echo "saved $out"
