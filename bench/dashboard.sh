#!/usr/bin/env bash
# bench/dashboard.sh: time from navigation to every Overview KPI value visible in the Shiny
# dashboard (headless Chromium, a fresh browser context per load, so nothing is cached in the
# browser), on a synthetic warehouse (default 10M events over 30 days, built by
# bench/refresh.sh), through the local stack (scripts/stack: sbw-server, R Shiny, nginx on
# :3838 as for analysts). Anchor, same run: the same eight KPI values as a static HTML page
# from nginx (the floor of "open a page and see numbers"). Target: < 1.5 s at 10M.
# Writes var/bench/dashboard-*.json. Not a test.
# Usage: ./sbw bench dashboard [--events N] [--loads N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
EVENTS=10000000; LOADS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --loads) LOADS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null && command -v node >/dev/null || { echo "needs nginx and node (./sbw deps)" >&2; exit 1; }
[ -d "$BUILD/R-lib/sbwapi" ] || { echo "needs $BUILD/R-lib (./sbw build)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-dash.XXXXXX)
chmod 755 "$work"
export SBW_VAR_DIR=$work/var SBW_BUILD_DIR=$BUILD
npid=
cleanup() {
  [ -n "$npid" ] && kill "$npid" 2>/dev/null || true
  "$ROOT/scripts/stack" down >/dev/null 2>&1 || true
  "$ROOT/scripts/pgcluster" stop "$work/var/db" --remove >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=scripts/free_port.bash
. "$ROOT/scripts/free_port.bash"

echo "== building a warehouse of $EVENTS events (bench/refresh.sh)"
"$ROOT/bench/refresh.sh" --sizes "$EVENTS" --batch 1000 --keep "$work/var/db" | grep -E '^ ' || true
# shellcheck disable=SC1091
SBW_PG_PORT=$(. "$work/var/db/env"; echo "$SBW_PG_PORT")
free_port SBW_INGEST_PORT; free_port SBW_SERVER_PORT; free_port SBW_DASHBOARD_PORT
free_port SBW_SHINY_PORT
export SBW_PG_PORT SBW_INGEST_PORT SBW_SERVER_PORT SBW_DASHBOARD_PORT SBW_SHINY_PORT
echo "== starting the stack on it"
"$ROOT/scripts/stack" up | sed 's/^/   /'
api=http://127.0.0.1:$SBW_SERVER_PORT

# The anchor: the same KPI values, formatted, in one static page served by nginx.
mkdir -p "$work/www" "$work/nginx"
chmod 755 "$work/www"
curl -sf "$api/api/v1/kpis?compare=previous_period" | node -e '
  const t = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const want = ["events","unique_clients","sessions","conversion_rate","checkout_rate","revenue","bounce_rate","avg_session_duration_s"];
  const cards = t.rows.filter((r) => want.includes(r[0])).map((r) =>
    `<div class="sbw-kpi" data-metric="${r[0]}" data-value="${r[1]}"><div class="sbw-kpi-value">${Number(r[1]).toLocaleString("en")}</div></div>`);
  console.log(`<!doctype html><html><head><meta charset="utf-8"><title>kpis</title></head><body>${cards.join("")}</body></html>`);
' > "$work/www/index.html"
chmod 644 "$work/www/index.html"
free_port aport
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 256; }
http { access_log off; server { listen 127.0.0.1:$aport; root $work/www; } }
NGINX
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
npid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$aport/" >/dev/null && break; sleep 0.1; done

echo "== $LOADS loads of each page (uptime: $(uptime | sed 's/.*load/load/'))"
cd "$ROOT"
out=$(SBW_DASH_URL="http://127.0.0.1:$SBW_DASHBOARD_PORT/sbw_dashboard/" SBW_ANCHOR_URL="http://127.0.0.1:$aport/" \
      SBW_LOADS=$LOADS node bench/dashboard.mjs)
echo "$out" | sed 's/^/   /'
mkdir -p "$ROOT/var/bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "$out" | tail -n 1 | sed "s/^{/{\"events\":$EVENTS,/" > "$ROOT/var/bench/dashboard-$stamp.json"
echo "saved var/bench/dashboard-$stamp.json"
