#!/usr/bin/env bash
# bench/custom.sh: latency of custom (uncached) parameter sets on sbw-server, each request a
# cache miss computed from the aggregates: for each endpoint, --per requests that vary the
# range (1 to 90 days, ending 0-19 days ago), the login state and the time zone (UTC, whole-
# hour offsets with DST, a 30-minute offset). Reports p50/p95 overall and per endpoint (target
# p50 < 50 ms at 10M events). The warehouse is built by bench/refresh.sh (--events N, default
# 1M) or an existing one kept by it (--cluster DIR). Writes var/bench/custom-*.json. Not a
# test. Usage: ./sbw bench custom [--events N | --cluster DIR] [--per N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
EVENTS=1000000; CLUSTER=; PER=20
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --cluster) CLUSTER=$2; shift 2 ;;
    --per) PER=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/sbw-bench-custom.XXXXXX)
spid=
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
  [ -n "$CLUSTER" ] || "$ROOT/scripts/pgcluster" stop "$work/pg" --remove >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=scripts/free_port.bash
. "$ROOT/scripts/free_port.bash"

if [ -z "$CLUSTER" ]; then
  echo "== building a warehouse of $EVENTS events"
  "$ROOT/bench/refresh.sh" --sizes "$EVENTS" --batch 1000 --keep "$work/pg" | grep -E '^ ' || true
  state=$work/pg
else
  state=$CLUSTER
  "$ROOT/scripts/pgcluster" start "$state" >/dev/null
fi
# shellcheck disable=SC1091
. "$state/env"
events=$(PGPASSWORD=$SBW_PG_SERVER_PASSWORD psql -X -At -h 127.0.0.1 -p "$SBW_PG_PORT" -U sbw_server \
  -d clickstream_dw -c "SELECT total_events FROM analytics.refresh_state")
free_port port
SBW_SERVER_LISTEN=127.0.0.1:$port SBW_LOG_LEVEL=warn DW_PG_HOST=127.0.0.1 DW_PG_PORT=$SBW_PG_PORT \
  DW_PG_USER=sbw_server DW_PG_PASSWORD=$SBW_PG_SERVER_PASSWORD DW_PG_DATABASE=clickstream_dw \
  "$BUILD/server/sbw-server" 2>"$work/server.log" &
spid=$!
for _ in $(seq 1 6000); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done

endpoints=("kpis?" "kpis?compare=previous_period&" "timeseries?metric=all&" "breakdown?by=event_name&"
           "funnel?" "products/top?" "categories/top?" "brands/top?" "sessions/summary?"
           "sessions/durations?" "traffic/heatmap?")
lengths=(1 7 14 30 90 30 7 60)
states=(all logged_in anonymous guest)
zones=(UTC Europe/Berlin America/New_York Asia/Kolkata UTC Asia/Ho_Chi_Minh)
today=$(date -u +%F)
echo "== $events events: ${#endpoints[@]} endpoints x $PER uncached parameter sets"
: > "$work/all"
for ep in "${endpoints[@]}"; do
  name=${ep%%\?*}; [ "$ep" = "kpis?compare=previous_period&" ] && name="kpis(compare)"
  : > "$work/ep"
  for i in $(seq 0 $((PER - 1))); do
    len=${lengths[$((i % ${#lengths[@]}))]}
    to=$(date -u -d "$today - $(( (i * 7) % 20 )) days" +%F)
    from=$(date -u -d "$to - $((len - 1)) days" +%F)
    url="http://127.0.0.1:$port/api/v1/${ep}from=$from&to=$to&login_state=${states[$((i % 4))]}&tz=${zones[$((i % ${#zones[@]}))]}"
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$url")
    [ "${out%% *}" = 200 ] || { echo "$url: HTTP ${out%% *}" >&2; exit 1; }
    echo "${out#* } * 1000" | bc -l | tee -a "$work/all" >> "$work/ep"
  done
  read -r p50 p95 < <(sort -n "$work/ep" | awk '{ a[NR] = $1 } END { printf "%.1f %.1f\n", a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.5)] }')
  printf '  %-22s p50 %7.1f ms  p95 %7.1f ms\n' "$name" "$p50" "$p95"
  echo "\"$name\":{\"p50_ms\":$p50,\"p95_ms\":$p95}" >> "$work/per"
done
read -r p50 p95 n < <(sort -n "$work/all" | awk '{ a[NR] = $1 } END { printf "%.1f %.1f %d\n", a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.5)], NR }')
printf '  %-22s p50 %7.1f ms  p95 %7.1f ms  (%d requests; target p50 < 50 ms at 10M)\n' all "$p50" "$p95" "$n"
mkdir -p "$ROOT/var/bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
{
  echo "{\"events\":$events,\"requests\":$n,\"p50_ms\":$p50,\"p95_ms\":$p95,\"endpoints\":{"
  paste -sd, "$work/per"
  echo "}}"
} > "$ROOT/var/bench/custom-$stamp.json"
echo "saved var/bench/custom-$stamp.json"
