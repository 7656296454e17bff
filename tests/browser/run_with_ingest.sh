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
port=$(( 20000 + RANDOM % 20000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( 20000 + RANDOM % 20000 )); done
SBW_INGEST_LISTEN=127.0.0.1:$port SBW_LAKE=file://$work/lake SBW_INGEST_WEB_ROOT=$root/web \
  "$build/ingest/sbw-ingest" > "$work/ingest.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
mkdir -p "$work/lake"
cd "$root"
if ! SBW_INGEST_URL=http://127.0.0.1:$port SBW_LAKE_DIR=$work/lake node "$test"; then
  echo "--- sbw-ingest log ---"; tail -n 50 "$work/ingest.log"; exit 1
fi
