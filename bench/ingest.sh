#!/usr/bin/env bash
# bench/ingest.sh: sbw-ingest (local-folder lake, durable acks) vs nginx answering 204 with an
# access log — the classic pixel collector — under wrk on loopback, in the same run.
#   (a) one event per request   (b) 50-event batches
# Prints req/s, events/s, p50/p99, peak RSS and the ratios; writes var/bench/ingest-*.json.
# Ceilings are measured in the same run, so the ratios can be read against what the server
# library and the disk allow: ingest_floor.c (CivetWeb with sbw-ingest's options answering at
# once, and answering on a shared clock = a group commit whose storage is free; with (a)'s
# bodies, and with (b)'s on a clock as slow as one durable (b)-sized object), eventloop_floor.c
# (the same without a thread per connection) and lake_ceiling.c (bytes per second the lake
# folder makes durable through sbw-ingest's writer).
# (a), (b) and nginx are measured in ROUNDS rounds (nginx, (a), (b) back to back in each), and
# each ratio is that round's sbw figure over that round's nginx figure; the median round is the
# result. This VM's speed drifts by ±20-40 % within a minute (CPU steal), so an anchor measured
# a minute before the figure it divides misreports the ratio either way.
# Not a test: numbers depend on the machine.
# Usage: ./sbw bench ingest [--duration S] [--connections N] [--rounds R]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
DUR=10; CONN=128; THREADS=2; ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DUR=$2; shift 2 ;;
    --connections) CONN=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (./sbw bench installs them)" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-ingest.XXXXXX)
# The lake lives where the product keeps it (under var/, like var/lake/), not in /tmp: on this
# machine's ext4 creating a file in /tmp cost ~1 ms of CPU (the inode allocator scans past the
# inodes every test run deletes there) against ~30 us under /work; a lake is not in /tmp.
mkdir -p "$ROOT/var/bench"
# Deleting files costs later runs: ext4 without a journal (this machine's) will not reuse an
# inode freed in the last ~60 s, and creating a file then scans past every such inode (measured:
# ~1.5 ms of CPU per file right after a 2000-file lake was deleted, ~30 us otherwise). The
# product never deletes lake objects, so nothing is deleted during the measurement and a run
# starts at least 70 s after the previous run's clean-up.
last="$ROOT/var/bench/.ingest-cleaned-at"
if [ -f "$last" ]; then
  wait_s=$(( $(cat "$last") + 70 - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    echo "waiting ${wait_s}s: the previous run deleted its lake less than 70 s ago" >&2
    sleep "$wait_s"
  fi
fi
lakedir=$(mktemp -d "$ROOT/var/bench/ingest-lake.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
            rm -rf "$work" "$lakedir"; date +%s > "$last"; }
trap cleanup EXIT

# shellcheck source=scripts/free_port.bash
. "$ROOT/scripts/free_port.bash"
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

# Bodies: one original-storefront event, and an array of 50 (shared with handler.sh).
# shellcheck source=bench/ingest_bodies.bash
. "$ROOT/bench/ingest_bodies.bash"
write_ingest_bodies "$work"

run_wrk() { # port body_file -> "rps p50 p99 non2xx errors"
  BODY_FILE=$2 USER_AGENT=$INGEST_BENCH_UA wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency -s "$ROOT/bench/post.lua" "http://127.0.0.1:$1" \
    | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
             printf "%.1f %d %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"], v["p99_us"], v["non2xx"], v["errors"] }'
}
# CPU seconds (user + system) used so far by processes and their children (nginx's workers).
cpu_s() { # pid...
  local t=0 p c
  for p in "$@"; do
    for c in "$p" $(pgrep -P "$p" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat"))); done
  done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'; }
# run_wrk with the servers' CPU time per request appended (microseconds).
run_measured() { # "pid..." port body_file -> "rps p50 p99 non2xx errors cpu_us_per_req"
  local c0 c1 r
  # shellcheck disable=SC2086
  c0=$(cpu_s $1); r=$(run_wrk "$2" "$3")
  # shellcheck disable=SC2086
  c1=$(cpu_s $1)
  awk -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b - a}')" -v d="$DUR" '{ printf "%s %.1f\n", $0, c * 1e6 / ($1 * d) }' <<<"$r"; }
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# nginx: the anchor. worker_processes auto (one per core, Debian's default): sbw-ingest may use
# every core too, so the anchor gets the same machine.
free_port nport; free_port pport; free_port uport
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
  # A ceiling for "nginx in front, an event-loop collector behind it": the same nginx
  # proxying to eventloop_floor over keep-alive connections.
  upstream backend { server 127.0.0.1:$uport; keepalive 256; }
  server {
    listen 127.0.0.1:$pport;
    location = /clickstream {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
# The ceilings' tools: built here against the installed CivetWeb and our lib/.
cc -O2 -std=c11 -o "$work/ingest_floor" "$ROOT/bench/ingest_floor.c" -lcivetweb -lpthread
cc -O2 -std=c11 -o "$work/eventloop_floor" "$ROOT/bench/eventloop_floor.c" -lpthread
cc -O2 -std=c11 -o "$work/wake_probe" "$ROOT/bench/wake_probe.c" -lpthread
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/lib" -o "$work/lake_ceiling" \
  "$ROOT/bench/lake_ceiling.c" "$BUILD/lib/libsbw.a" $(pkg-config --libs libcurl expat libcrypto zlib uuid libcjson) -lpthread -lm

nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
npid=$!
pids+=($npid)
wait_port "$nport"

# sbw-ingest with the local-folder lake, durable acknowledgements (fsync) on.
free_port iport
SBW_INGEST_LISTEN=127.0.0.1:$iport SBW_LAKE=file://$lakedir/lake SBW_LOG_LEVEL=warn SBW_INGEST_THREADS=$((CONN + 16)) \
  "$BUILD/ingest/sbw-ingest" > "$work/ingest.log" 2>&1 &
ipid=$!
pids+=($ipid)
wait_port "$iport"

echo "wrk: $THREADS threads, $CONN connections, ${DUR}s per run, loopback, $(nproc) cores; nginx workers: $(pgrep -c -P "$npid")"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# What this machine charges for a system call and for waking a thread (see wake_probe.c).
read -r w_sys w_same w_cross < <("$work/wake_probe" 5000 | tr '=' ' ' | awk '{print $3, $5, $7}')
# Starts a ceiling server (the command after the port), measures it like sbw-ingest, stops it.
measure_server() { # port command... -> the run_measured line
  local port=$1 pid r; shift
  "$@" > "$work/ceiling-server.log" 2>&1 &
  pid=$!; wait_port "$port"
  r=$(run_measured "$pid" "$port" "$work/${MS_BODY:-one}.json"); kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$r"; }
floor_run() { local p; free_port p; measure_server "$p" "$work/ingest_floor" "127.0.0.1:$p" $((CONN + 16)) "$1"; }
# The durable latency of one object the size the single-event run writes (~55 requests of
# ~730 bytes = 40 kB), alone, through our writer: stage (create, write, fsync) + publish
# (rename, folder fsync).
read -r _ _ _ l_stage l_pub < <("$work/lake_ceiling" "$lakedir/probe" 40000 3 | tr '=' ' ' | awk '{print $2, $4, $6, $8, $10}')
l_us=$(awk -v a="$l_stage" -v b="$l_pub" 'BEGIN { printf "%d", (a + b) * 1000 }')
# Each ceiling is divided by an nginx run measured just before it (see ROUNDS above).
read -r fn_rps _ < <(run_measured "$npid" "$nport" "$work/one.json")
read -r f0_rps f0_p50 f0_p99 f0_bad f0_err f0_cpu < <(floor_run 0)
read -r f1_rps f1_p50 f1_p99 f1_bad f1_err f1_cpu < <(floor_run 1000)
read -r f2_rps f2_p50 f2_p99 f2_bad f2_err f2_cpu < <(floor_run "$l_us")
# The same two without a thread per connection: an epoll loop per core (bench only; it
# understands just wrk's requests), to show what the server model itself costs.
eloop_run() { local p; free_port p; measure_server "$p" "$work/eventloop_floor" 127.0.0.1 "$p" "$(nproc)" "$1"; }
read -r en_rps _ < <(run_measured "$npid" "$nport" "$work/one.json")
read -r e0_rps e0_p50 e0_p99 e0_bad e0_err e0_cpu < <(eloop_run 0)
read -r e2_rps e2_p50 e2_p99 e2_bad e2_err e2_cpu < <(eloop_run "$l_us")
# nginx proxying to the event loop on the same clock; CPU = nginx's + the backend's.
proxy_run() { # tick_us -> the run_measured line
  local bpid r
  "$work/eventloop_floor" 127.0.0.1 "$uport" "$(nproc)" "$1" > "$work/proxy-backend.log" 2>&1 &
  bpid=$!; wait_port "$uport"
  r=$(run_measured "$npid $bpid" "$pport" "$work/one.json")
  kill "$bpid"; wait "$bpid" 2>/dev/null || true
  echo "$r"; }
read -r x2_rps x2_p50 x2_p99 x2_bad x2_err x2_cpu < <(proxy_run "$l_us")
lake_stat() { find "$lakedir/lake" -type f -name 'event-*.json' -printf '%s\n' 2>/dev/null | awk '{n++; b+=$1} END {printf "%d %.0f\n", n, b}'; }
accepted() { curl -s "http://127.0.0.1:$iport/metrics" | awk '$1 == "sbw_ingest_events_accepted_total" { printf "%.0f\n", $2 }'; }
# Objects, bytes and events of the (a) runs and of the (b) runs, summed over the rounds.
a_objs=0 a_bytes=0 b_objs=0 b_bytes=0 b_events=0 bad=0
rounds_file=$work/rounds.txt; : > "$rounds_file"
for r in $(seq 1 "$ROUNDS"); do
  read -r n_rps n_p50 n_p99 n_bad n_err n_cpu < <(run_measured "$npid" "$nport" "$work/one.json")
  read -r o0 y0 < <(lake_stat)
  read -r a_rps a_p50 a_p99 a_bad a_err a_cpu < <(run_measured "$ipid" "$iport" "$work/one.json")
  sleep 0.5 # the last requests' objects are published
  read -r o1 y1 < <(lake_stat); ev1=$(accepted)
  read -r b_rps b_p50 b_p99 b_bad b_err b_cpu < <(run_measured "$ipid" "$iport" "$work/batch.json")
  sleep 0.5
  read -r o2 y2 < <(lake_stat); ev2=$(accepted)
  a_objs=$((a_objs + o1 - o0)); a_bytes=$((a_bytes + y1 - y0))
  b_objs=$((b_objs + o2 - o1)); b_bytes=$((b_bytes + y2 - y1)); b_events=$((b_events + ev2 - ev1))
  bad=$((bad + a_bad + b_bad + a_err + b_err))
  echo "$r $n_rps $n_p50 $n_p99 $n_cpu $a_rps $a_p50 $a_p99 $a_cpu $b_rps $b_p50 $b_p99 $b_cpu" >> "$rounds_file"
  awk -v r="$r" -v n="$n_rps" -v a="$a_rps" -v b="$b_rps" 'BEGIN {
    printf "round %d: nginx %.0f req/s; (a) %.0f req/s = %.2f x; (b) %.0f events/s = %.1f x\n", r, n, a, a/n, b*50, b*50/n }' >&2
done
# The median round of each ratio (with R even, the lower middle one).
median_round() { # awk expression over the round's fields -> that round's line
  awk "{ print ($1), \$0 }" "$rounds_file" | sort -g | awk -v m=$(( (ROUNDS + 1) / 2 )) 'NR == m { $1 = ""; sub(/^ /, ""); print }'; }
read -r _ n_rps n_p50 n_p99 n_cpu a_rps a_p50 a_p99 a_cpu _ < <(median_round '$6 / $2')
read -r _ bn_rps _ _ _ _ _ _ _ b_rps b_p50 b_p99 b_cpu < <(median_round '$10 * 50 / $2')
ratios_a=$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $6 / $2 }' "$rounds_file")
ratios_b=$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $10 * 50 / $2 }' "$rounds_file")
# The disk's ceiling for (b): objects of the batch runs' average size through our writer.
b_obj=$(( b_bytes / (b_objs > 0 ? b_objs : 1) ))
read -r c_objs c_bytes c_secs c_stage c_pub < <("$work/lake_ceiling" "$lakedir/ceiling" "$b_obj" "$DUR" | tr '=' ' ' | awk '{print $2, $4, $6, $8, $10}')
read -r cn_rps _ < <(run_measured "$npid" "$nport" "$work/one.json")
# (b)'s CivetWeb ceiling: the zero-work server reading the same 50-event bodies and answering
# on a clock as slow as the durable write of one object of (b)'s size, alone (just measured).
# What sbw-ingest adds above it in (b) is its own work: the contract, the lines, the writes.
bl_us=$(awk -v a="$c_stage" -v b="$c_pub" 'BEGIN { printf "%d", (a + b) * 1000 }')
read -r fb_rps fb_p50 fb_p99 fb_bad fb_err fb_cpu < <(MS_BODY=batch floor_run "$bl_us")
a_obj=$(( a_bytes / (a_objs > 0 ? a_objs : 1) ))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
rss=$(peak_rss_mb "$ipid")
objects=$(find "$lakedir/lake" -type f -name 'event-*.json' | wc -l)
lines=$(accepted)
# Whether the lake writes ran at real-time priority (SBW_INGEST_RT_PRIORITY; needs root or
# CAP_SYS_NICE or RLIMIT_RTPRIO): it moves (b) by 20-30 %, so the report says which it was.
rt=$(curl -s "http://127.0.0.1:$iport/metrics" | awk '$1 == "sbw_ingest_commit_realtime" { print $2 }')
# Bytes per stored event in the batch runs: their objects' bytes over their events.
b_line=$(awk -v b="$b_bytes" -v l="$b_events" 'BEGIN { printf "%.0f", b / (l > 0 ? l : 1) }')

ceil_eps=$(awk -v b="$c_bytes" -v s="$c_secs" -v l="$b_line" 'BEGIN { printf "%.0f", b / s / (l > 0 ? l : 1) }')
awk -v n="$n_rps" -v a="$a_rps" -v b="$b_rps" -v bn="$bn_rps" -v np50="$n_p50" -v np99="$n_p99" \
    -v nc="$n_cpu" -v ac="$a_cpu" -v bc="$b_cpu" -v load0="$load0" -v load1="$load1" \
    -v ap50="$a_p50" -v ap99="$a_p99" -v bp50="$b_p50" -v bp99="$b_p99" -v rss="$rss" \
    -v rounds="$ROUNDS" -v ra="$ratios_a" -v rb="$ratios_b" -v fn="$fn_rps" -v en="$en_rps" -v cn="$cn_rps" \
    -v f0="$f0_rps" -v f0p50="$f0_p50" -v f0p99="$f0_p99" -v f0c="$f0_cpu" \
    -v f1="$f1_rps" -v f1p50="$f1_p50" -v f1p99="$f1_p99" -v f1c="$f1_cpu" \
    -v f2="$f2_rps" -v f2p50="$f2_p50" -v f2p99="$f2_p99" -v f2c="$f2_cpu" -v lus="$l_us" \
    -v e0="$e0_rps" -v e0p50="$e0_p50" -v e0p99="$e0_p99" -v e0c="$e0_cpu" \
    -v e2="$e2_rps" -v e2p50="$e2_p50" -v e2p99="$e2_p99" -v e2c="$e2_cpu" \
    -v x2="$x2_rps" -v x2p50="$x2_p50" -v x2p99="$x2_p99" -v x2c="$x2_cpu" \
    -v cobj="$c_objs" -v cb="$c_bytes" -v cs="$c_secs" -v bobj="$b_obj" -v bline="$b_line" -v ceil="$ceil_eps" \
    -v aobj="$a_obj" -v lst="$l_stage" -v lpub="$l_pub" -v cst="$c_stage" -v cpub="$c_pub" \
    -v wsys="$w_sys" -v wsame="$w_same" -v wcross="$w_cross" \
    -v fb="$fb_rps" -v fbp50="$fb_p50" -v fbp99="$fb_p99" -v fbc="$fb_cpu" -v blus="$bl_us" \
    -v bad="$bad" -v objects="$objects" -v lines="$lines" -v rt="${rt:-0}" 'BEGIN {
  printf "%-40s %10s %10s %8s %8s %11s %9s\n", "run", "req/s", "events/s", "p50 ms", "p99 ms", "CPU us/req", "x nginx"
  row("nginx 204 + access_log (anchor)", n, n, np50, np99, nc, 1)
  row("ceiling: CivetWeb answering at once", f0, f0, f0p50, f0p99, f0c, f0/fn)
  row("ceiling: CivetWeb + free 1 ms commit", f1, f1, f1p50, f1p99, f1c, f1/fn)
  row(sprintf("ceiling: CivetWeb + free %.1f ms commit", lus/1000), f2, f2, f2p50, f2p99, f2c, f2/fn)
  row("ceiling: event loop answering at once", e0, e0, e0p50, e0p99, e0c, e0/en)
  row(sprintf("ceiling: event loop + free %.1f ms commit", lus/1000), e2, e2, e2p50, e2p99, e2c, e2/en)
  row("ceiling: nginx proxy -> that event loop", x2, x2, x2p50, x2p99, x2c, x2/en)
  row(sprintf("ceiling: CivetWeb, 50 events, %.1f ms", blus/1000), fb, fb*50, fbp50, fbp99, fbc, fb*50/cn)
  row("sbw-ingest, 1 event/request", a, a, ap50, ap99, ac, a/n)
  row("sbw-ingest, 50 events/request", b, b*50, bp50, bp99, bc, b*50/bn)
  printf "\nratio (a) sbw req/s / nginx req/s       = %.2f  (target >= 0.5); rounds: %s\n", a/n, ra
  printf "ratio (b) sbw events/s / nginx req/s    = %.1f  (target >= 10); rounds: %s\n", b*50/bn, rb
  printf "  (median of %d rounds; each round measures nginx, then (a), then (b), and divides by its own nginx)\n", rounds
  printf "ceilings (nginx measured just before them: %.0f and %.0f req/s):\n", fn, en
  printf "          CivetWeb answering at once = %.2f x nginx; answering on a 1 ms clock = %.2f x;\n", f0/fn, f1/fn
  printf "          on a %.1f ms clock = %.2f x, where %.1f ms = the durable write of one 40 kB object here, alone\n", lus/1000, f2/fn, lus/1000
  printf "          (stage %.2f + publish %.2f ms; the clock runs are HTTP only, no work, no I/O);\n", lst, lpub
  printf "          (a)'"'"'s objects averaged %.0f kB\n", aobj/1e3
  printf "          an event loop (bench/eventloop_floor.c, no thread per connection): at once = %.2f x,\n", e0/en
  printf "          on the %.1f ms clock = %.2f x; behind nginx as a reverse proxy = %.2f x\n", lus/1000, e2/en, x2/en
  printf "          lake folder: %.0f MB/s durable with %.1f MB objects (%d in %.1f s; stage %.1f ms, publish %.1f ms)\n", cb/cs/1e6, bobj/1e6, cobj, cs, cst, cpub
  printf "          = %.0f events/s of %d bytes = %.1f x nginx (measured just after: %.0f req/s);\n", ceil, bline, ceil/cn, cn
  printf "          (b) reaches %.0f%% of it\n", 100*b*50/ceil
  printf "          CivetWeb reading the 50-event bodies, answering on a %.1f ms clock (one durable object of\n", blus/1000
  printf "          (b)'"'"'s size, alone; no work, no I/O) = %.1f x nginx in events/s, at %.0f us CPU per request;\n", fb*50/cn, fbc
  printf "          (b) reaches %.0f%% of it at %.0f us\n", 100*b*50/(fb*50), bc
  printf "sbw-ingest peak RSS = %s MB; lake: %d objects, %d events; failed requests: %d\n", rss, objects, lines, bad
  printf "sbw-ingest lake writes at real-time priority (SBW_INGEST_RT_PRIORITY): %s\n", rt == 1 ? "yes" : "no (refused or off)"
  printf "machine (bench/wake_probe.c): system call %.2f us; thread wake-up round trip %.1f us on one CPU,\n", wsys, wsame
  printf "          %.1f us across CPUs when the other CPU is idle (bare metal: a few us)\n", wcross
  printf "load average before / after: %s / %s (CPU us/req: the server'"'"'s own CPU time per request)\n", load0, load1
}
function row(name, rps, eps, p50, p99, cpu, x) {
  printf "%-40s %10.0f %10.0f %8.2f %8.2f %11.1f %9.2f\n", name, rps, eps, p50/1000, p99/1000, cpu, x
}'
mkdir -p "$ROOT/var/bench"
out="$ROOT/var/bench/ingest-$(date -u +%Y%m%dT%H%M%SZ).json"
printf '{"nginx_rps":%s,"batch_round_nginx_rps":%s,"ratio_single":%s,"ratio_batch":%s,"rounds":%s,"ratios_single":[%s],"ratios_batch":[%s],"ceiling_nginx_rps":{"civetweb":%s,"eventloop":%s,"lake":%s},"civetweb_floor_rps":%s,"civetweb_1ms_commit_rps":%s,"civetweb_lake_latency_commit_rps":%s,"eventloop_floor_rps":%s,"eventloop_lake_latency_commit_rps":%s,"nginx_proxy_eventloop_lake_latency_commit_rps":%s,"lake_latency_us":%s,"lake_ceiling_events_per_s":%s,"civetweb_batch_commit_events_per_s":%s,"batch_object_latency_us":%s,"single_rps":%s,"batch_rps":%s,"batch_events_per_s":%s,"cpu_us_per_req":{"nginx":%s,"single":%s,"batch":%s},"load_before":"%s","load_after":"%s","p99_ms":{"nginx":%s,"single":%s,"batch":%s},"wake_probe_us":{"syscall":%s,"round_trip_same_cpu":%s,"round_trip_cross_cpu":%s},"peak_rss_mb":%s,"lake_writes_realtime":%s,"duration_s":%s,"connections":%s}\n' \
  "$n_rps" "$bn_rps" "$(awk -v a="$a_rps" -v n="$n_rps" 'BEGIN{printf "%.3f", a/n}')" "$(awk -v b="$b_rps" -v n="$bn_rps" 'BEGIN{printf "%.2f", b*50/n}')" \
  "$ROUNDS" "${ratios_a// /,}" "${ratios_b// /,}" "$fn_rps" "$en_rps" "$cn_rps" \
  "$f0_rps" "$f1_rps" "$f2_rps" "$e0_rps" "$e2_rps" "$x2_rps" "$l_us" "$ceil_eps" "$(awk -v b="$fb_rps" 'BEGIN{print b*50}')" "$bl_us" "$a_rps" "$b_rps" "$(awk -v b="$b_rps" 'BEGIN{print b*50}')" "$n_cpu" "$a_cpu" "$b_cpu" "$load0" "$load1" \
  "$(awk -v x="$n_p99" 'BEGIN{print x/1000}')" "$(awk -v x="$a_p99" 'BEGIN{print x/1000}')" \
  "$(awk -v x="$b_p99" 'BEGIN{print x/1000}')" "$w_sys" "$w_same" "$w_cross" "$rss" "${rt:-0}" "$DUR" "$CONN" > "$out"
echo "saved $out"
