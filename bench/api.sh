#!/usr/bin/env bash
# bench/api.sh: sbw-server on a synthetic warehouse (built by bench/refresh.sh, default 1M
# events; the issue's figure is 10M: --events 10000000), same run:
#   (a) a precomputed endpoint (the default 7-day KPIs) under wrk vs nginx serving the same
#       JSON bytes as a static file: req/s, p50/p99 and the ratio (target >= 0.7);
#   (b) custom date ranges (each a cache miss, computed from the aggregates): p50/p90 of
#       /kpis and /timeseries over distinct ranges (target p50 < 50 ms at 10M).
# Writes var/bench/api-*.json. Not a test. Usage: ./sbw bench api [--events N]
#   [--duration S] [--connections N] [--ranges N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
EVENTS=1000000; DUR=10; CONN=64; RANGES=40
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --duration) DUR=$2; shift 2 ;;
    --connections) CONN=$2; shift 2 ;;
    --ranges) RANGES=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (./sbw bench installs them)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-api.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  "$ROOT/scripts/pgcluster" stop "$work/pg" --remove >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=scripts/free_port.bash
. "$ROOT/scripts/free_port.bash"
wait_url() { for _ in $(seq 1 600); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "$1 never answered" >&2; exit 1; }

echo "== building a warehouse of $EVENTS events"
"$ROOT/bench/refresh.sh" --sizes "$EVENTS" --batch 1000 --keep "$work/pg" | grep -E '^ ' || true
# shellcheck disable=SC1091
. "$work/pg/env"

free_port sport
SBW_SERVER_LISTEN=127.0.0.1:$sport SBW_SERVER_THREADS=16 SBW_SERVER_PG_POOL=4 SBW_LOG_LEVEL=warn \
  DW_PG_HOST=127.0.0.1 DW_PG_PORT=$SBW_PG_PORT DW_PG_USER=sbw_server \
  DW_PG_PASSWORD=$SBW_PG_SERVER_PASSWORD DW_PG_DATABASE=clickstream_dw \
  "$BUILD/server/sbw-server" 2>"$work/server.log" &
spid=$!; pids+=($spid)
wait_url "http://127.0.0.1:$sport/api/v1/health"

path="/api/v1/kpis?compare=previous_period"
mkdir -p "$work/www/api/v1"
chmod 755 "$work" "$work/www" "$work/www/api" "$work/www/api/v1"  # nginx workers run as nobody
curl -sf "http://127.0.0.1:$sport$path" > "$work/www/api/v1/kpis"
chmod 644 "$work/www/api/v1/kpis"
free_port nport
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    default_type application/json;
    location / { add_header Cache-Control no-cache; etag on; }
  }
}
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
wait_url "http://127.0.0.1:$nport/api/v1/kpis"

run_wrk() { # url -> "rps p50 p99"
  wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$1" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
    END { print rps, p50, p99 }'
}
echo "== (a) precomputed $path ($(wc -c < "$work/www/api/v1/kpis") bytes), $CONN connections, ${DUR}s each"
read -r n_rps n_p50 n_p99 < <(run_wrk "http://127.0.0.1:$nport/api/v1/kpis")
read -r s_rps s_p50 s_p99 < <(run_wrk "http://127.0.0.1:$sport$path")
ratio=$(echo "$s_rps / $n_rps" | bc -l)
printf '  nginx static : %10.0f req/s  p50 %s  p99 %s\n' "$n_rps" "$n_p50" "$n_p99"
printf '  sbw-server   : %10.0f req/s  p50 %s  p99 %s\n' "$s_rps" "$s_p50" "$s_p99"
printf '  ratio        : %.2f (target >= 0.7)\n' "$ratio"

echo "== (b) $RANGES custom date ranges each (cache misses)"
today=$(date -u +%F)
measure() { # endpoint-with-? -> sorted ms list file
  : > "$work/lat"
  for i in $(seq 1 "$RANGES"); do
    from=$(date -u -d "$today - $(( 8 + i % 20 )) days" +%F); to=$(date -u -d "$from + $(( 3 + i )) days" +%F)
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$sport$1from=$from&to=$to&login_state=$( [ $((i % 2)) = 0 ] && echo all || echo anonymous )")
    echo "$t * 1000" | bc -l >> "$work/lat"
  done
  sort -n "$work/lat" | awk '{ a[NR] = $1 } END { printf "%.1f %.1f\n", a[int((NR + 1) / 2)], a[int(NR * 0.9 + 0.5)] }'
}
read -r k50 k90 < <(measure "/api/v1/kpis?")
read -r t50 t90 < <(measure "/api/v1/timeseries?metric=all&")
printf '  /kpis        : p50 %6.1f ms  p90 %6.1f ms (target p50 < 50 ms at 10M)\n' "$k50" "$k90"
printf '  /timeseries  : p50 %6.1f ms  p90 %6.1f ms\n' "$t50" "$t90"

mkdir -p "$ROOT/var/bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cat > "$ROOT/var/bench/api-$stamp.json" <<JSON
{"events":$EVENTS,"connections":$CONN,"duration_s":$DUR,
 "precomputed":{"path":"$path","nginx_rps":$n_rps,"server_rps":$s_rps,"ratio":$ratio},
 "custom_ranges":{"n":$RANGES,"kpis_p50_ms":$k50,"kpis_p90_ms":$k90,"timeseries_p50_ms":$t50,"timeseries_p90_ms":$t90}}
JSON
echo "saved var/bench/api-$stamp.json"
