#!/usr/bin/env bash
# run_with_ingest.sh BUILD_DIR TEST.mjs: starts the real sbw-ingest on a free port with a
# temporary lake folder (serving web/), runs a browser test against it, stops it (by pid).
set -euo pipefail
build=$1; test=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/sbw-browser.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# A free port can be taken by a test running in parallel between the check and the bind:
# try again on another port when the server exits at start.
for attempt in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 20000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
  SBW_INGEST_LISTEN=127.0.0.1:$port SBW_LAKE=file://$work/lake SBW_INGEST_WEB_ROOT=$root/web \
    "$build/ingest/sbw-ingest" > "$work/ingest.log" 2>&1 &
  pid=$!
  up=0
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$up" = 1 ] && break
  # (|| true: under set -e a failing kill or wait of the server that already exited would end
  # this script silently instead of trying the next port)
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
  echo "sbw-ingest did not start on port $port (attempt $attempt):"; tail -n 3 "$work/ingest.log"
done
[ -n "$pid" ] || { echo "could not start sbw-ingest"; exit 1; }
mkdir -p "$work/lake"
cd "$root"
if ! SBW_INGEST_URL=http://127.0.0.1:$port SBW_LAKE_DIR=$work/lake node "$test"; then
  echo "--- sbw-ingest log ---"; tail -n 50 "$work/ingest.log"; exit 1
fi
