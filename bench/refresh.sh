#!/usr/bin/env bash
# bench/refresh.sh: cost of analytics.refresh() after a load of new events, on warehouses of
# different sizes, in the same run. For each size N (default 1M and 10M): a fresh synthetic
# warehouse of N events over 30 days (sessions of 10 events, 10% without session id, 500
# products), sbw-server started (its refresh at start aggregates everything: "initial"), then
# a batch of new events (default 100k, the next hour) loaded and POST /api/v1/refresh timed.
# Target: refresh time at 10M <= 1.5 x time at 1M. Writes var/bench/refresh-*.json.
# Not a test. Usage: ./sbw bench refresh [--sizes 1000000,10000000] [--batch 100000]
#                                        [--keep DIR]  (keep the last cluster for bench/api.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
SIZES=1000000,10000000; BATCH=100000; KEEP=
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for b in server/sbw-server etl/sbw-etl; do [ -x "$BUILD/$b" ] || { echo "build first: $BUILD/$b missing" >&2; exit 1; }; done
work=$(mktemp -d /tmp/sbw-bench-refresh.XXXXXX)
state=${KEEP:-$work/pg}
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null || true
  [ -n "$KEEP" ] || "$ROOT/scripts/pgcluster" stop "$state" --remove >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$ROOT/scripts/pgcluster" start "$state" --fresh --fast --migrate-with "$BUILD/etl/sbw-etl" >/dev/null
# shellcheck disable=SC1091
. "$state/env"
admin() { PGPASSWORD=$SBW_PG_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SBW_PG_PORT" -U sbw_admin -d clickstream_dw "$@"; }
owner() { PGPASSWORD=$SBW_PG_OWNER_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$SBW_PG_PORT" -U sbw_owner -d clickstream_dw "$@"; }
# shellcheck source=scripts/free_port.bash
. "$ROOT/scripts/free_port.bash"
now_s() { date +%s.%N; }

# Events first..first+n-1 of a synthetic shop; t0 = the end of the 30 days they cover
# (events of session s start at t0 - span * (1 - s / sessions)).
gen_events() { # first n t0 span
  owner -c "
  INSERT INTO public.clickstream_events (event_id, event_timestamp, event_name, user_id,
      user_login_state, client_id, session_id, is_first_visit, context_product_id,
      context_product_name, context_product_category, context_product_brand,
      context_product_price, context_product_discount_price, page_url, element, received_at)
  SELECT gen_random_uuid(), ts, name,
         CASE WHEN s % 4 = 0 THEN 'u' || (s % 50000) END,
         CASE s % 4 WHEN 0 THEN 'logged_in' WHEN 1 THEN 'guest' ELSE 'anonymous' END,
         'c' || (s % 300000), CASE WHEN s % 10 <> 7 THEN 's' || s END, k = 0 AND s % 7 = 0,
         CASE WHEN prod THEN 'p' || pid END, CASE WHEN prod THEN 'Product ' || pid END,
         CASE WHEN prod THEN (ARRAY['laptop','keyboard','monitor','mouse','headphone','accessory'])[1 + pid % 6] END,
         CASE WHEN prod AND pid % 11 <> 0 THEN 'Brand' || (pid % 19) END,
         CASE WHEN prod THEN 100000 + pid * 1000 END, CASE WHEN prod AND pid % 3 = 0 THEN 90000 + pid * 1000 END,
         'https://shop.example/' || name, CASE WHEN name = 'checkout_complete'
           THEN jsonb_build_object('dataset', jsonb_build_object('total', (200000 + pid * 1000)::text)) END,
         ts
    FROM (SELECT g, g / 10 AS s, g % 10 AS k,
                 (ARRAY['page_view','product_view','click','product_view','add_to_cart_click',
                        'page_view','product_view','checkout_start','checkout_complete','page_view'])[1 + g % 10] AS name0,
                 (g / 10 * 7919 + g % 10 * 104729) % 500 AS pid
            FROM generate_series($1::bigint, $1::bigint + $2::bigint - 1) g) x,
         LATERAL (SELECT CASE WHEN x.name0 IN ('checkout_start','checkout_complete') AND x.s % 5 <> 0
                              THEN 'click' ELSE x.name0 END AS name) n,
         LATERAL (SELECT n.name IN ('product_view','add_to_cart_click') AS prod,
                         timestamptz '$3' - interval '$4 seconds' * (1 - x.s::float8 / (($1 + $2) / 10.0))
                           + interval '30 seconds' * x.k AS ts) t"
}

declare -A initial refresh
for n in ${SIZES//,/ }; do
  echo "== warehouse of $n events"
  admin -c "DROP SCHEMA IF EXISTS analytics CASCADE; CREATE SCHEMA analytics AUTHORIZATION sbw_server;
            TRUNCATE public.clickstream_events;" >/dev/null
  t0=$(admin -At -c "SELECT date_trunc('hour', now()) - interval '1 hour'")
  s=$(now_s)
  gen_events 0 "$n" "$t0" $((30 * 86400))
  admin -c "VACUUM ANALYZE public.clickstream_events" >/dev/null
  echo "   loaded in $(echo "$(now_s) - $s" | bc) s"
  free_port port
  s=$(now_s)
  SBW_SERVER_LISTEN=127.0.0.1:$port SBW_REFRESH_TOKEN=bench DW_PG_HOST=127.0.0.1 DW_PG_PORT=$SBW_PG_PORT \
    DW_PG_USER=sbw_server DW_PG_PASSWORD=$SBW_PG_SERVER_PASSWORD DW_PG_DATABASE=clickstream_dw \
    SBW_LOG_LEVEL=warn "$BUILD/server/sbw-server" 2>"$work/server-$n.log" &
  srv_pid=$!
  for _ in $(seq 1 36000); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
  initial[$n]=$(echo "$(now_s) - $s" | bc)
  echo "   initial aggregation + defaults at start: ${initial[$n]} s"
  # The next hour's load: BATCH new events of new sessions, after t0.
  gen_events "$n" "$BATCH" "$(admin -At -c "SELECT timestamptz '$t0' + interval '1 hour'")" 3600
  out=$(curl -sf -X POST -H "Authorization: Bearer bench" "http://127.0.0.1:$port/api/v1/refresh")
  echo "   refresh after $BATCH new events: $out"
  refresh[$n]=$(echo "$out" | sed -E 's/.*"refresh_ms":([0-9.]+).*/\1/')
  kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; srv_pid=
done

mkdir -p "$ROOT/var/bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
{
  echo "{\"batch\":$BATCH,\"sizes\":{"
  first=1
  for n in ${SIZES//,/ }; do
    [ $first = 1 ] || echo ","; first=0
    printf '"%s":{"initial_s":%s,"refresh_ms":%s}' "$n" "${initial[$n]}" "${refresh[$n]}"
  done
  echo "}}"
} > "$ROOT/var/bench/refresh-$stamp.json"
echo "== summary (batch $BATCH events)"
prev=
for n in ${SIZES//,/ }; do
  printf '  %10s events: refresh %8.1f ms' "$n" "${refresh[$n]}"
  [ -n "$prev" ] && printf '  (%.2f x the %s warehouse; target <= 1.5)' "$(echo "${refresh[$n]} / ${refresh[$prev]}" | bc -l)" "$prev"
  echo; prev=$n
done
echo "saved var/bench/refresh-$stamp.json"
