#!/usr/bin/env bash
# deploy_install_test.sh BUILD_DIR: deploy/install-host.sh staged into a temporary folder
# (--destdir) puts every program, SQL file, unit, settings file, the R package, the dashboard
# app and the Shiny Server configuration where the units and docs say; installed programs find
# a second install keeps edited settings. Prints "N passed, M failed".
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
d=$(mktemp -d /tmp/sbw-install-test.XXXXXX)
trap 'rm -rf "$d"' EXIT
passed=0; failed=0
check() { local name=$1; shift; if "$@"; then passed=$((passed+1)); echo "ok   $name"; else failed=$((failed+1)); echo "FAIL $name"; fi; }

if ! "$root/deploy/install-host.sh" --build "$build" --destdir "$d" > "$d.log" 2>&1; then
  cat "$d.log"; rm -f "$d.log"; echo "0 passed, 1 failed"; exit 1
fi
rm -f "$d.log"
P=$d/usr/local
for b in sbw-ingest sbw-ingest-lambda sbw-etl sbw-etl-lambda sbw-server sbw-sim; do
  check "bin/$b installed and executable" test -x "$P/bin/$b"
done
check "bootstrap.sql and the migrations installed" test -f "$P/share/sbw/sql/bootstrap.sql" -a -f "$P/share/sbw/sql/0001_clickstream_events.sql"
check "the aggregate views installed" test -f "$P/share/sbw/sql/views/0001_aggregates.sql"
check "openapi.yaml and the tracker installed" test -f "$P/share/sbw/openapi.yaml" -a -f "$P/share/sbw/web/clickstream.js"
for f in sbw-ingest sbw-etl sbw-server; do
  check "/etc/sbw/$f.env from the example" cmp -s "$root/deploy/env/$f.env.example" "$d/etc/sbw/$f.env"
done
for u in sbw-ingest.service sbw-etl.service sbw-etl.timer sbw-server.service; do
  check "unit $u installed" test -f "$d/etc/systemd/system/$u"
done
check "sbw-server.service starts the installed program" grep -qx 'ExecStart=/usr/local/bin/sbw-server' "$d/etc/systemd/system/sbw-server.service"
check "sbwapi installed into the site library" test -f "$P/lib/R/site-library/sbwapi/DESCRIPTION"
check "the R package loads from there" env R_LIBS="$P/lib/R/site-library" Rscript --vanilla -e 'library(sbwapi); stopifnot(is.function(sbwapi_get))'
check "the dashboard app is in /srv/shiny-server" test -f "$d/srv/shiny-server/sbw_dashboard/app.R"
check "the app's .Renviron names the API" grep -qx 'SBW_API_URL=http://127.0.0.1:8081' "$d/srv/shiny-server/sbw_dashboard/.Renviron"
conf=$d/etc/shiny-server/shiny-server.conf
check "Shiny Server listens on 127.0.0.1:3838" grep -q '^ *listen 3838 127.0.0.1;' "$conf"
check "Shiny Server serves /sbw_dashboard from the app folder" \
  bash -c "grep -A2 'location /sbw_dashboard' '$conf' | grep -q 'app_dir /srv/shiny-server/sbw_dashboard;'"
check "the staged source tree is untouched (no R build objects)" bash -c "! ls '$root'/shiny/sbwapi/src/*.o >/dev/null 2>&1"

echo "# edited" >> "$d/etc/sbw/sbw-server.env"
"$root/deploy/install-host.sh" --build "$build" --destdir "$d" >/dev/null 2>&1
check "a second install keeps edited settings" grep -qx '# edited' "$d/etc/sbw/sbw-server.env"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
