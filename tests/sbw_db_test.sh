#!/usr/bin/env bash
# sbw_db_test.sh BUILD_DIR: `./sbw db up|psql|status|down|reset` on a throwaway state folder and
# port: the cluster starts, psql shows the seed's 16 columns first, status and down behave.
set -uo pipefail
build=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$(mktemp -d /tmp/sbw-dbtest.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( 20000 + RANDOM % 20000 )); done
# SBW_SKIP_BUILD: the test runs inside a build; use its sbw-etl as it is.
export SBW_VAR_DIR=$state SBW_PG_PORT=$port SBW_BUILD_DIR=$build SBW_SKIP_BUILD=1
pass=0; fail=0
check() { if eval "$2"; then echo "ok   $1"; pass=$((pass + 1)); else echo "FAIL $1"; fail=$((fail + 1)); fi; }
cleanup() { "$root/scripts/pgcluster" stop "$state/db" --remove >/dev/null 2>&1; rm -rf "$state"; }
trap cleanup EXIT

# A test running in parallel can take the chosen port between the check and the bind: then
# start over on another port (at most 3 times).
for attempt in 1 2 3; do
  "$root/sbw" db up >"$state/up.log" 2>&1 && break
  grep -q "already in use" "$state/up.log" || break
  "$root/scripts/pgcluster" stop "$state/db" --remove >/dev/null 2>&1
  port=$(( 20000 + RANDOM % 20000 ))
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( 20000 + RANDOM % 20000 )); done
  export SBW_PG_PORT=$port
  echo "port taken meanwhile; attempt $((attempt + 1)) on $port"
done
check "db up" '"$root/sbw" db status >/dev/null 2>&1'
[ "$fail" = 0 ] || { echo "--- ./sbw db up said:"; cat "$state/up.log"; }
cols=$("$root/sbw" db psql -At -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'clickstream_events' AND ordinal_position <= 16" 2>&1)
check "psql shows the seed's 16 columns in order" '[ "$cols" = "event_id,event_timestamp,event_name,user_id,user_login_state,identity_source,client_id,session_id,is_first_visit,context_product_id,context_product_name,context_product_category,context_product_brand,context_product_price,context_product_discount_price,context_product_url_path" ]'
desc=$("$root/sbw" db psql -c '\d clickstream_events' 2>&1)
check "\\d clickstream_events works" 'grep -q "context_product_url_path" <<<"$desc"'
check "status says running on the port" '"$root/sbw" db status | grep -q "running on 127.0.0.1:$port"'
check "db up again is a no-op" '"$root/sbw" db up >/dev/null 2>&1'
check "passwords stay out of the state's world-readable files" '[ "$(stat -c %a "$state/db/env")" = 600 ]'
check "db down" '"$root/sbw" db down'
"$root/sbw" db status >/dev/null 2>&1; st=$?
check "status after down exits 3" '[ "$st" = 3 ]'
check "db reset recreates it" '"$root/sbw" db reset >/dev/null 2>&1 && "$root/sbw" db status | grep -q running'
"$root/sbw" db down >/dev/null 2>&1
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
