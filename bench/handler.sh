#!/usr/bin/env bash
# bench/handler.sh: CPU time of sbw-ingest's pure core (sbw_ingest_handle) per request, without
# HTTP, threads or storage, against cJSON parsing and printing the same body in the same run
# (the least an "accept anything that parses" collector does). Steadier than bench/ingest.sh
# (process CPU time; medians of 9 rounds that time all three back to back), so it shows what a change to the handler buys.
# Bodies: the ingest benchmark's one event and 50-event batch; User-Agent: a real desktop
# Chrome and wrk's short one. Not a test. Usage: ./sbw bench handler [--iterations N]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
N=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) N=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/sbw-bench-handler.XXXXXX)
trap 'rm -rf "$work"' EXIT

# shellcheck source=bench/ingest_bodies.bash
. "$ROOT/bench/ingest_bodies.bash"
write_ingest_bodies "$work"

# shellcheck disable=SC2046
cc -O2 -std=c11 -I"$ROOT/ingest" -I"$ROOT/lib" -o "$work/ingest_handler" "$ROOT/bench/ingest_handler.c" \
  "$BUILD/ingest/libsbw_ingest_core.a" "$BUILD/lib/libsbw.a" \
  $(pkg-config --libs libcurl expat libcrypto zlib uuid libcjson) -lpthread -lm

printf '%-34s %7s %12s %12s %14s %10s\n' "body, User-Agent" events "cJSON us" "sbw us" "sbw tree us" "x cJSON"
results=()
for body in one batch; do
  for ua in chrome wrk; do
    if [ "$ua" = chrome ]; then agent=$INGEST_BENCH_UA; else agent='Mozilla/5.0 (bench)'; fi
    iters=$N; [ "$body" = batch ] && iters=$((N / 20 > 0 ? N / 20 : 1))
    line=$("$work/ingest_handler" "$work/$body.json" "$iters" "$agent")
    read -r ev _ cj fast tree ratio < <(tr '=' ' ' <<<"$line" | awk '{print $2, $4, $6, $8, $10, $12}')
    awk -v name="$body, $ua" -v ev="$ev" -v cj="$cj" -v f="$fast" -v t="$tree" -v r="$ratio" 'BEGIN {
      printf "%-34s %7d %12.2f %12.2f %14.2f %10.2f\n", name, ev, cj, f, t, r }'
    results+=("{\"body\":\"$body\",\"user_agent\":\"$ua\",\"events\":$ev,\"cjson_us\":$cj,\"handler_us\":$fast,\"handler_tree_us\":$tree,\"ratio\":$ratio}")
  done
done
echo "(us per request, process CPU time, medians of 9 rounds; 'sbw tree' = the same handler with the"
echo " verbatim fast path off, every event through cJSON; x cJSON = median of the rounds' sbw / cJSON)"
mkdir -p "$ROOT/var/bench"
out="$ROOT/var/bench/handler-$(date -u +%Y%m%dT%H%M%SZ).json"
(IFS=,; printf '{"iterations":%s,"runs":[%s]}\n' "$N" "${results[*]}") > "$out"
echo "saved $out"
