#!/usr/bin/env bash
# check_env_examples.sh BUILD_DIR: each program's `example-env` output must equal its committed
# example file in deploy/env/, so the documented settings never drift from the settings table.
set -euo pipefail
build=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fail=0; n=0
for prog in ingest/sbw-ingest etl/sbw-etl server/sbw-server; do
  name=$(basename "$prog")
  want="$root/deploy/env/$name.env.example"
  n=$((n + 1))
  if diff -u "$want" <("$build/$prog" example-env); then
    echo "ok   $name.env.example matches \`$name example-env\`"
  else
    echo "FAIL $name.env.example differs (regenerate: $prog example-env > deploy/env/$name.env.example)"
    fail=$((fail + 1))
  fi
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
