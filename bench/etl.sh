#!/usr/bin/env bash
# bench/etl.sh: sbw-etl end to end (local-folder lake -> a fresh warehouse of a private cluster)
# against two anchors measured in the same run on the identical rows:
#   COPY      PostgreSQL `COPY ... FROM` a CSV of the rows, into a table with the same indexes
#             (the practical limit);
#   original  the original ETL's approach: one lake object at a time, 200-row multi-row INSERT
#             ... ON CONFLICT DO NOTHING, one transaction per INSERT, of the original's 16
#             columns (+ received_at) into a table with the same indexes.
# The lake holds realistic objects: the original storefront's payloads with _ingest, as our
# ingest writes them, 50-500 events per object, spread over 48 hours. A second, 4x smaller lake
# shows peak RSS does not grow with the lake. Prints rates, ratios, peak RSS; writes
# var/bench/etl-*.json. Not a test: numbers depend on the machine and on what else runs.
# The original approach here keeps only its warehouse side: with local files, fsync off and no
# per-event S3 GET it is far faster than it was on AWS (one object and one GET per event).
#
# Second section, "the original system end to end on S3" (same run): the S3-compatible test
# server of the tests (s3rver, tests/s3rver.js) holds
#   orig/    the original system's lake: the same --s3-events events as ONE pretty-printed object
#            each, as its ingest Lambda wrote them (original-system.md section 2);
#   ours/    the same events as our ingest batches them (sbw-sim lake, --group events at most per
#            object, default 500: a busy ingest's group commit);
#   ours10/  the same events, 10 per object (a quiet store: about one tracker flush per object).
# and four loads, each into a fresh database:
#   original system  bench/etl_orig_s3.c: ListObjectsV2 (following continuation tokens, which
#                    the original did not: it stopped at 1000 keys), one GET per object, one at
#                    a time, 200-row multi-row INSERT ... ON CONFLICT DO NOTHING per transaction;
#   sbw-etl run      on orig/ (same input), on ours/ and on ours10/ (our platform's lake).
# Ratios: ours on our lake / original on its lake = the platform comparison (what storing
# batches buys end to end); ours / original on the same one-event objects = the ETL alone.
# --s3-latency-ms adds a fixed delay to every S3 answer while loading (real S3 answers a small
# GET in ~10-30 ms; the local server in ~1-2 ms of its own CPU, which it spends per request).
# Usage: ./sbw bench etl [--events N] [--original-events N] [--s3-events N] [--group N]
#                        [--s3-latency-ms MS] [--only local|s3]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SBW_BUILD_DIR:-$ROOT/build}
EVENTS=1000000
ORIG_EVENTS=0 # 0 = the whole lake; a smaller prefix gives its rate sooner (into a smaller table)
S3_EVENTS=100000
GROUP=500
S3_LATENCY_MS=0
ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --original-events) ORIG_EVENTS=$2; shift 2 ;;
    --s3-events) S3_EVENTS=$2; shift 2 ;;
    --group) GROUP=$2; shift 2 ;;
    --s3-latency-ms) S3_LATENCY_MS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ETL=$BUILD/etl/sbw-etl
[ -x "$ETL" ] || { echo "build first: $ETL is missing" >&2; exit 1; }
command -v cc >/dev/null && command -v psql >/dev/null && [ -x /usr/bin/time ] \
  || { echo "needs cc, psql and /usr/bin/time" >&2; exit 1; }
work=$(mktemp -d /tmp/sbw-bench-etl.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ ! -d "$work/s3" ] || node "$ROOT/tests/s3rver.js" stop "$work/s3" >/dev/null 2>&1 || true
  "$ROOT/scripts/pgcluster" stop "$work/pg" --remove >/dev/null 2>&1 || true
  rm -rf "$work"
}
[ -n "${SBW_BENCH_KEEP:-}" ] || trap cleanup EXIT

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# ---- tools: the lake generator and the original-approach emulation (C, compiled here) ----
cat > "$work/gen.c" <<'C'
/* gen DIR EVENTS SEED: writes a lake of NDJSON objects (50..500 events each, our ingest's
 * format) under DIR/events/YYYY/MM/DD/HH/event-<id>.json over 48 hours of 2026-11-18..19. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
static unsigned long long s;
static unsigned rnd(unsigned n) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (unsigned)(s % n); }
static const char *names[] = {"page_view", "page_view", "page_view", "product_view", "product_view",
                              "category_view", "add_to_cart_click", "checkout_start", "checkout_complete"};
static const char *cats[] = {"laptop", "keyboard", "monitor", "mouse", "headphone", "accessory"};
static const char *brands[] = {"AULA", "Logitech", "Dell", "ASUS", "Sony", "Razer", "LG"};
static void mkdirs(char *p) { for (char *q = p + 1; *q; q++) if (*q == '/') { *q = 0; mkdir(p, 0755); *q = '/'; } }
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    long total = atol(argv[2]); s = strtoull(argv[3], NULL, 10) | 1;
    long n = 0, obj = 0;
    while (n < total) {
        long k = 50 + rnd(451); if (k > total - n) k = total - n;
        long hour = obj % 48, day = 18 + hour / 24, hh = hour % 24;
        char path[1024];
        snprintf(path, sizeof path, "%s/events/2026/11/%02ld/%02ld/event-%08lx-0000-4000-8000-%012lx.json", argv[1], day, hh, obj, (long)rnd(1u << 30));
        mkdirs(path);
        FILE *f = fopen(path, "w"); if (!f) { perror(path); return 1; }
        unsigned client = rnd(200000);
        for (long i = 0; i < k; i++, n++) {
            const char *name = names[rnd(9)];
            unsigned p = rnd(500), sec = (unsigned)(i * 3 % 3600);
            int prod = strcmp(name, "page_view") != 0;
            fprintf(f, "{\"eventName\":\"%s\",\"eventId\":\"%08lx-%04x-4%03x-8%03x-%012lx\","
                       "\"pageUrl\":\"https://shop.example/product/p-%u\",\"referrer\":null,\"userId\":%s,"
                       "\"userLoginState\":\"%s\",\"clientId\":\"c%07u-1111-4222-8333-444455556666\","
                       "\"sessionId\":\"s%07u-%04lx-4222-8333-444455556666\",\"isFirstVisit\":%s",
                    name, (long)(n >> 16), (unsigned)(n & 0xffff), rnd(4096), rnd(4096), (long)rnd(1u << 30),
                    p, client % 3 ? "null" : "\"user_2abc\"", client % 3 ? "anonymous" : "logged_in",
                    client, client, obj & 0xffff, i == 0 ? "true" : "false");
            if (prod)
                fprintf(f, ",\"product\":{\"id\":\"prod_%u\",\"name\":\"Product %u\",\"category\":\"%s\","
                           "\"brand\":\"%s\",\"price\":%u000,\"discountPrice\":%s,\"urlPath\":\"/product/p-%u\"}",
                        p, p, cats[p % 6], brands[p % 7], 100 + p * 37, p % 4 ? "null" : "1790000", p);
            if (!strcmp(name, "add_to_cart_click") || !strcmp(name, "checkout_complete"))
                fprintf(f, ",\"element\":{\"tag\":\"button\",\"id\":\"buy\",\"text\":\"Mua ngay\",\"dataset\":{\"orderId\":\"o-%ld\",\"total\":%u000}}", n, p * 37);
            fprintf(f, ",\"_ingest\":{\"receivedAt\":\"2026-11-%02ldT%02ld:%02u:%02u.%03uZ\",\"sourceIp\":\"203.0.113.0\","
                       "\"userAgent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0\","
                       "\"requestId\":\"r-%ld\",\"traceId\":\"Root=1-%lx\",\"method\":\"POST\",\"path\":\"/clickstream\",\"isBot\":false}}\n",
                    day, hh, sec / 60, sec % 60, rnd(1000), obj, n);
        }
        fclose(f);
        obj++;
    }
    printf("%ld %ld\n", n, obj);
    return 0;
}
C
cat > "$work/orig.c" <<'C'
/* orig CONNINFO MAX_EVENTS < file list: the original ETL's load path. One object at a time:
 * read, parse each record, map the 16 seed columns (+ received_at, NOT NULL in our table);
 * every 200 rows one multi-row INSERT ...
 * ON CONFLICT (event_id) DO NOTHING in its own transaction. Prints "rows seconds". */
#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define COLS 17
#define BATCH 200
static char *vals[BATCH * COLS];
static int nrows;
static PGconn *c;
static char sql[BATCH * COLS * 8 + 1024];
static void flush(void) {
    if (!nrows) return;
    int o = snprintf(sql, sizeof sql, "INSERT INTO bench_orig (event_id, event_timestamp,"
        " event_name, user_id, user_login_state, identity_source, client_id, session_id,"
        " is_first_visit, context_product_id, context_product_name, context_product_category,"
        " context_product_brand, context_product_price, context_product_discount_price,"
        " context_product_url_path, received_at) VALUES ");
    for (int r = 0; r < nrows; r++) {
        o += snprintf(sql + o, sizeof sql - o, "%s(", r ? "," : "");
        for (int k = 0; k < COLS; k++)
            o += snprintf(sql + o, sizeof sql - o, "%s$%d", k ? "," : "", r * COLS + k + 1);
        o += snprintf(sql + o, sizeof sql - o, ")");
    }
    snprintf(sql + o, sizeof sql - o, " ON CONFLICT (event_id) DO NOTHING");
    PGresult *res = PQexecParams(c, sql, nrows * COLS, NULL, (const char *const *)vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) { fprintf(stderr, "%s", PQresultErrorMessage(res)); exit(1); }
    PQclear(res);
    for (int i = 0; i < nrows * COLS; i++) { free(vals[i]); vals[i] = NULL; }
    nrows = 0;
}
static char *s(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(v)) return strdup(v->valuestring);
    if (cJSON_IsNumber(v)) { char b[64]; snprintf(b, sizeof b, "%.0f", v->valuedouble); return strdup(b); }
    if (cJSON_IsBool(v)) return strdup(cJSON_IsTrue(v) ? "true" : "false");
    return NULL;
}
int main(int argc, char **argv) {
    c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) { fprintf(stderr, "%s", PQerrorMessage(c)); return 1; }
    long max = atol(argv[2]), rows = 0;
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    char path[4096];
    while (rows < max && fgets(path, sizeof path, stdin)) {
        path[strcspn(path, "\n")] = 0;
        FILE *f = fopen(path, "r"); if (!f) return 1;
        char *line = NULL; size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            cJSON *o = cJSON_Parse(line); if (!o) continue;
            const cJSON *p = cJSON_GetObjectItem(o, "product"), *in = cJSON_GetObjectItem(o, "_ingest");
            char **v = vals + nrows * COLS;
            v[0] = s(o, "eventId"); v[1] = s(in, "receivedAt"); v[2] = s(o, "eventName");
            v[3] = s(o, "userId"); v[4] = s(o, "userLoginState"); v[5] = s(o, "identitySource");
            v[6] = s(o, "clientId"); v[7] = s(o, "sessionId"); v[8] = s(o, "isFirstVisit");
            v[9] = s(p, "id"); v[10] = s(p, "name"); v[11] = s(p, "category"); v[12] = s(p, "brand");
            v[13] = s(p, "price"); v[14] = s(p, "discountPrice"); v[15] = s(p, "urlPath");
            v[16] = s(in, "receivedAt");
            cJSON_Delete(o);
            rows++;
            if (++nrows == BATCH) flush();
        }
        free(line); fclose(f);
        flush(); /* the original committed per object's tail too */
    }
    flush();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%ld %.3f\n", rows, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    PQfinish(c);
    return 0;
}
C
cc -O2 -o "$work/gen" "$work/gen.c"
cc -O2 -o "$work/orig" "$work/orig.c" $(pkg-config --cflags --libs libcjson libpq)

# ---- the warehouse: a private cluster, fresh databases ----
"$ROOT/scripts/pgcluster" start "$work/pg" --fresh --fast --migrate-with "$ETL" >/dev/null
set -a; . "$work/pg/env"; set +a
unset DW_PG_HOST DW_PG_PORT DW_PG_DATABASE DW_PG_USER DW_PG_PASSWORD # they would override the DSNs below
ci() { echo "host=127.0.0.1 port=$SBW_PG_PORT dbname=$2 user=$1 password=$3"; }
ADMIN=$(ci sbw_admin postgres "$SBW_PG_ADMIN_PASSWORD")
newdb() { # name: a database migrated like clickstream_dw
  psql -q "$ADMIN" -c "CREATE DATABASE $1 OWNER sbw_owner" >/dev/null
  DW_PG_HOST=127.0.0.1 DW_PG_PORT=$SBW_PG_PORT DW_PG_USER=sbw_owner DW_PG_PASSWORD=$SBW_PG_OWNER_PASSWORD \
    DW_PG_DATABASE=$1 "$ETL" migrate --sql-dir "$ROOT/sql" >/dev/null 2>&1
}

run_etl() { # db lake_url -> "events seconds rss_mb objects bytes"
  local out="$work/etl-$1.out"
  SBW_PG_DSN=$(ci sbw_etl "$1" "$SBW_PG_ETL_PASSWORD") SBW_LAKE="$2" SBW_REFRESH_URL=off \
    SBW_ETL_PROGRESS_SECONDS=10 /usr/bin/time -v "$ETL" run > "$out" 2> "$work/etl-$1.err" \
    || { cat "$work/etl-$1.err" >&2; exit 1; }
  local rss; rss=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/etl-$1.err")
  tail -n 1 "$out" | sed 's/[{}"]//g; s/,/\n/g' | awk -F: -v rss="$rss" '
    { v[$1] = $2 } END { print v["events_inserted"], v["seconds"], rss, v["objects_loaded"], v["bytes"] }'
}

ok() { awk "BEGIN { print ($1) ? \"ok\" : \"MISSED\" }"; }
json_local=
if [ "$ONLY" != s3 ]; then
echo "generating lakes: $EVENTS events, and $((EVENTS / 4)) for the RSS comparison ..."
read -r small_events small_objects < <("$work/gen" "$work/lake-small" $((EVENTS / 4)) 7)
read -r total objects < <("$work/gen" "$work/lake" "$EVENTS" 42)
lake_mb=$(du -sm "$work/lake" | cut -f1)
echo "  $total events in $objects objects, $lake_mb MB"

echo "sbw-etl on the small lake ($small_events events) ..."
newdb bench_small
read -r s_ins s_sec s_rss _ _ < <(run_etl bench_small "file://$work/lake-small")
echo "sbw-etl on the full lake ..."
newdb bench_etl
read -r e_ins e_sec e_rss e_obj e_bytes < <(run_etl bench_etl "file://$work/lake")
[ "$e_ins" = "$total" ] || { echo "sbw-etl inserted $e_ins of $total events" >&2; exit 1; }

echo "anchor: COPY of the same rows from CSV ..."
OWNER=$(ci sbw_owner bench_etl "$SBW_PG_OWNER_PASSWORD")
COLS="event_id, event_timestamp, event_name, user_id, user_login_state, identity_source, client_id, session_id, is_first_visit, context_product_id, context_product_name, context_product_category, context_product_brand, context_product_price, context_product_discount_price, context_product_url_path, received_at, page_url, referrer, element, user_agent, source_ip, is_bot, client_event_id, raw_object_key"
psql -q "$OWNER" -c "\\copy (SELECT $COLS FROM clickstream_events) TO '$work/rows.csv' WITH (FORMAT csv)"
psql -q "$OWNER" -c "CREATE TABLE bench_copy (LIKE clickstream_events INCLUDING ALL)"
c0=$(date +%s.%N)
psql -q "$OWNER" -c "\\copy bench_copy ($COLS) FROM '$work/rows.csv' WITH (FORMAT csv)"
c1=$(date +%s.%N)
copy_sec=$(calc "$c1 - $c0")
copy_rows=$(psql -tA "$OWNER" -c "SELECT count(*) FROM bench_copy")

[ "$ORIG_EVENTS" -gt 0 ] || ORIG_EVENTS=$total
echo "anchor: the original approach on $ORIG_EVENTS events ..."
psql -q "$OWNER" -c "CREATE TABLE bench_orig (LIKE clickstream_events INCLUDING ALL)"
read -r o_rows o_sec < <(find "$work/lake" -name '*.json' | sort | "$work/orig" "$OWNER" "$ORIG_EVENTS")

e_rate=$(calc "$e_ins / $e_sec"); c_rate=$(calc "$copy_rows / $copy_sec"); o_rate=$(calc "$o_rows / $o_sec")
vs_copy=$(calc "$e_rate / $c_rate"); vs_orig=$(calc "$e_rate / $o_rate")
printf '\n%-34s %12s %10s %12s\n' "" "rows" "seconds" "rows/s"
printf '%-34s %12d %10.2f %12.0f\n' "sbw-etl run (end to end)" "$e_ins" "$e_sec" "$e_rate"
printf '%-34s %12d %10.2f %12.0f\n' "PostgreSQL COPY from CSV" "$copy_rows" "$copy_sec" "$c_rate"
printf '%-34s %12d %10.2f %12.0f\n' "original approach: 200-row INSERTs" "$o_rows" "$o_sec" "$o_rate"
printf '\nsbw-etl / COPY      %6.2fx  (target >= 0.5x: %s)\n' "$vs_copy" "$(ok "$vs_copy >= 0.5")"
printf 'sbw-etl / original  %6.1fx  (warehouse side only, both on our local lake)\n' "$vs_orig"
printf 'peak RSS            %s MB for %s events, %s MB for %s events (target < 100 MB, flat: %s)\n' \
  "$e_rss" "$e_ins" "$s_rss" "$s_ins" "$(ok "$e_rss < 100 && $e_rss < $s_rss * 1.5 + 5")"
printf 'lake                %s objects, %s MB read, %.1f MB/s\n' "$e_obj" "$((e_bytes / 1048576))" \
  "$(calc "$e_bytes / 1048576 / $e_sec")"

json_local=$(printf '"events":%d,"objects":%d,"etl_seconds":%s,"etl_rows_per_s":%.0f,"copy_rows_per_s":%.0f,"original_rows_per_s":%.0f,"vs_copy":%.3f,"vs_original":%.2f,"peak_rss_mb":%s,"peak_rss_mb_quarter_lake":%s' \
  "$e_ins" "$e_obj" "$e_sec" "$e_rate" "$c_rate" "$o_rate" "$vs_copy" "$vs_orig" "$e_rss" "$s_rss")
fi

# ---- the original system end to end on S3: one object and one GET per event ----
json_s3=
if [ "$ONLY" != local ] && [ "$S3_EVENTS" -gt 0 ]; then
  command -v node >/dev/null && [ -d "$ROOT/node_modules/s3rver" ] \
    || { echo "the S3 section needs node and node_modules/s3rver (npm ci, or ./sbw deps)" >&2; exit 1; }
  [ -x "$BUILD/sim/sbw-sim" ] || { echo "build first: $BUILD/sim/sbw-sim is missing" >&2; exit 1; }
  libs="$BUILD/lib/libsbw.a $(pkg-config --libs libcurl expat libcrypto zlib libpq uuid libcjson) -lcivetweb -lpthread -lm"
  for t in etl_s3_lakes etl_orig_s3; do
    # shellcheck disable=SC2086
    cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$ROOT/lib" \
      $(pkg-config --cflags libcjson libpq) -o "$work/$t" "$ROOT/bench/$t.c" $libs
  done
  node "$ROOT/tests/s3rver.js" start "$work/s3" >/dev/null
  export AWS_ENDPOINT_URL_S3 AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  AWS_ENDPOINT_URL_S3=$(cat "$work/s3/endpoint")
  bucket=$(cat "$work/s3/bucket")
  sim() { # folder group
    "$BUILD/sim/sbw-sim" lake --lake "file://$1" --events "$S3_EVENTS" --days 7 --seed 11 \
      --end 2026-11-20T00:00:00Z --fallback-ids 0 --group "$2" > "$1.json"
  }
  echo "S3 section: $S3_EVENTS events (sbw-sim, 7 days), stored on s3rver ($AWS_ENDPOINT_URL_S3) ..."
  sim "$work/src" "$GROUP"
  sim "$work/src10" 10
  read -r s3_events orig_objects orig_bytes ours_objects ours_bytes < \
    <("$work/etl_s3_lakes" "$work/src" 8 "s3://$bucket/orig" "s3://$bucket/ours")
  read -r _ _ _ ours10_objects _ < <("$work/etl_s3_lakes" "$work/src10" 8 - "s3://$bucket/ours10")
  [ "$s3_events" = "$S3_EVENTS" ] || { echo "the original lake holds $s3_events events" >&2; exit 1; }
  echo "  orig/: $orig_objects objects ($((orig_bytes / 1048576)) MB); ours/: $ours_objects objects" \
    "($((ours_bytes / 1048576)) MB); ours10/: $ours10_objects objects"
  echo "$S3_LATENCY_MS" > "$work/s3/latency_ms"
  sleep 1.2 # the server reads it at most once a second
  load() { uptime | sed 's/.*load average: //; s/,.*//'; }

  s3run() { # db prefix label
    echo "sbw-etl run on $2/ ($3, load $(load)) ..." >&2
    newdb "$1"
    run_etl "$1" "s3://$bucket/$2"
  }
  # The short loads first, then the two long ones (each into a fresh database).
  l_b=$(load); read -r sb_ins sb_sec sb_rss sb_obj _ < <(s3run s3_ours ours "our ingest's batches")
  l_c=$(load); read -r sc_ins sc_sec sc_rss sc_obj _ < <(s3run s3_ours10 ours10 "10 events per object")
  l_o=$(load)
  echo "original system: list, one GET per object, 200-row INSERTs (load $l_o) ..."
  newdb s3_orig
  S3OWN=$(ci sbw_owner s3_orig "$SBW_PG_OWNER_PASSWORD")
  psql -q "$S3OWN" -c "CREATE TABLE bench_orig (LIKE clickstream_events INCLUDING ALL)"
  /usr/bin/time -v "$work/etl_orig_s3" "$S3OWN" "$bucket" orig/events/ > "$work/orig-s3.out" 2> "$work/orig-s3.err" \
    || { cat "$work/orig-s3.err" >&2; exit 1; }
  read -r so_rows so_objects so_sec so_list < "$work/orig-s3.out"
  so_rss=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/orig-s3.err")
  [ "$so_rows" = "$S3_EVENTS" ] || { echo "the original approach inserted $so_rows rows" >&2; exit 1; }

  l_a=$(load); read -r sa_ins sa_sec sa_rss sa_obj _ < <(s3run s3_ours_orig orig "one event per object")
  for v in "$sa_ins" "$sb_ins" "$sc_ins"; do
    [ "$v" = "$S3_EVENTS" ] || { echo "sbw-etl inserted $v of $S3_EVENTS events" >&2; exit 1; }
  done

  so_rate=$(calc "$so_rows / $so_sec"); sa_rate=$(calc "$sa_ins / $sa_sec")
  sb_rate=$(calc "$sb_ins / $sb_sec"); sc_rate=$(calc "$sc_ins / $sc_sec")
  r_platform=$(calc "$sb_rate / $so_rate"); r_platform10=$(calc "$sc_rate / $so_rate")
  r_same=$(calc "$sa_rate / $so_rate")
  printf '\nS3 (s3rver, %s ms added per request), %d events, load %s\n' "$S3_LATENCY_MS" "$S3_EVENTS" "$(load)"
  printf '(load average before each: original %s, ours on its lake %s, ours %s, ours10 %s)\n' "$l_o" "$l_a" "$l_b" "$l_c"
  printf '%-52s %9s %9s %11s %8s\n' "" "objects" "seconds" "events/s" "RSS MB"
  printf '%-52s %9d %9.2f %11.0f %8s\n' "original system: 1 object/event, sequential GETs" "$so_objects" "$so_sec" "$so_rate" "$so_rss"
  printf '%-52s %9d %9.2f %11.0f %8s\n' "sbw-etl on the original's lake (1 object/event)" "$sa_obj" "$sa_sec" "$sa_rate" "$sa_rss"
  printf '%-52s %9d %9.2f %11.0f %8s\n' "sbw-etl on our lake (<= $GROUP events/object)" "$sb_obj" "$sb_sec" "$sb_rate" "$sb_rss"
  printf '%-52s %9d %9.2f %11.0f %8s\n' "sbw-etl on our lake, quiet store (<= 10 events/object)" "$sc_obj" "$sc_sec" "$sc_rate" "$sc_rss"
  printf '(original: %.2f s of it listing, following continuation tokens past 1000 keys)\n' "$so_list"
  printf '\nplatform: ours on our lake / original on its lake   %7.1fx  (target >= 20x: %s)\n' "$r_platform" "$(ok "$r_platform >= 20")"
  printf '          same, quiet store (10 events/object)    %7.1fx\n' "$r_platform10"
  printf 'ETL alone: ours / original, same one-event objects %7.2fx\n' "$r_same"
  json_s3=$(printf '"s3":{"events":%d,"latency_ms":%s,"group":%d,"original_objects":%d,"original_seconds":%s,"original_list_seconds":%s,"original_events_per_s":%.0f,"original_peak_rss_mb":%s,"ours_on_original_lake_objects":%d,"ours_on_original_lake_seconds":%s,"ours_on_original_lake_events_per_s":%.0f,"ours_on_original_lake_peak_rss_mb":%s,"ours_objects":%d,"ours_seconds":%s,"ours_events_per_s":%.0f,"ours_peak_rss_mb":%s,"ours10_objects":%d,"ours10_seconds":%s,"ours10_events_per_s":%.0f,"ours10_peak_rss_mb":%s,"platform_ratio":%.2f,"platform_ratio_quiet":%.2f,"same_input_ratio":%.3f,"load_average_before":{"original":%s,"ours_on_original_lake":%s,"ours":%s,"ours10":%s},"load_average_end":%s}' \
    "$S3_EVENTS" "$S3_LATENCY_MS" "$GROUP" "$so_objects" "$so_sec" "$so_list" "$so_rate" "$so_rss" \
    "$sa_obj" "$sa_sec" "$sa_rate" "$sa_rss" "$sb_obj" "$sb_sec" "$sb_rate" "$sb_rss" \
    "$sc_obj" "$sc_sec" "$sc_rate" "$sc_rss" "$r_platform" "$r_platform10" "$r_same" "$l_o" "$l_a" "$l_b" "$l_c" "$(load)")
fi

mkdir -p "$ROOT/var/bench"
json="$ROOT/var/bench/etl-$(date -u +%Y%m%dT%H%M%SZ).json"
echo "{$json_local${json_local:+${json_s3:+,}}$json_s3}" > "$json"
echo "saved $json"
