#!/usr/bin/env bash
# tests/e2e/run_stack.sh BUILD_DIR: the newcomer's path end to end, through ./sbw itself.
# `./sbw up` in a temporary state folder on free ports; a known simulated history goes into
# the lake and through the ETL; then tests/e2e/stack.test.mjs (headless Chromium) buys on the
# demo store, runs the ETL, checks the API and the dashboard; then `./sbw down` must leave
# nothing running. Screenshots go to BUILD_DIR/screenshots/. Prints "N passed, M failed".
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/sbw-e2e.XXXXXX)
chmod 755 "$work"

# shellcheck source=scripts/free_port.bash
. "$root/scripts/free_port.bash"
export SBW_VAR_DIR=$work/var SBW_BUILD_DIR=$build SBW_SKIP_BUILD=1
free_port SBW_PG_PORT; free_port SBW_INGEST_PORT; free_port SBW_SERVER_PORT
free_port SBW_DASHBOARD_PORT; free_port SBW_SHINY_PORT
export SBW_PG_PORT SBW_INGEST_PORT SBW_SERVER_PORT SBW_DASHBOARD_PORT SBW_SHINY_PORT
export SBW_DASHBOARD_POLL_S=2   # the dashboard notices a new data generation quickly

passed=0; failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
show_logs() {
  for f in "$work"/var/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
}
cleanup() {
  "$root/sbw" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
if ! ./sbw up > "$work/up.out" 2>&1; then
  cat "$work/up.out"; show_logs; echo "0 passed, 1 failed"; exit 1
fi
check "./sbw up starts every component" grep -q '^dashboard  up ' "$work/up.out"
check "./sbw status says every component is up" ./sbw status >/dev/null

# A known history: 20000 simulated events over the 9 days before now, loaded once.
./sbw sim lake --days 9 --events 20000 --seed 11 > "$work/sim.json" 2>/dev/null
./sbw etl run --prefix events/ > "$work/etl.json" 2>/dev/null
check "the ETL loaded the history and called the refresh hook" \
  grep -q '"events_inserted":20000,.*"hook":"ok' "$work/etl.json" || cat "$work/etl.json"

eval "$(SBW_VAR_DIR=$SBW_VAR_DIR scripts/stack env)"
export SBW_STACK_INGEST_URL SBW_STACK_API_URL SBW_STACK_DASHBOARD_URL
mkdir -p "$build/screenshots"
node_rc=0
SBW_SCREENSHOTS=$build/screenshots node tests/e2e/stack.test.mjs > "$work/node.out" 2>&1 || node_rc=$?
cat "$work/node.out"
if [ "$node_rc" != 0 ]; then show_logs; fi
n_pass=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$work/node.out" | tail -n 1)
n_fail=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$work/node.out" | tail -n 1)
passed=$((passed + ${n_pass:-0})); failed=$((failed + ${n_fail:-1}))
[ "$node_rc" = 0 ] || [ "${n_fail:-1}" != 0 ] || failed=$((failed + 1))

./sbw down > "$work/down.out" 2>&1 || true
status_rc=0; ./sbw status > "$work/status.out" 2>&1 || status_rc=$?
check "./sbw status reports the stack down after ./sbw down" [ "$status_rc" = 3 ]
check "no component is left running" bash -c "! grep -Eq ' (up|unhealthy) ' '$work/status.out'"
for p in $SBW_PG_PORT $SBW_INGEST_PORT $SBW_SERVER_PORT $SBW_DASHBOARD_PORT $SBW_SHINY_PORT; do
  check "port $p is free again" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
