#!/usr/bin/env bash
# install-host.sh: installs the platform on a Debian 12 host (the warehouse host, or a single
# box running everything): programs, SQL, web files, systemd units, example settings, the
# sbwapi R package, the dashboard app and its Shiny Server configuration.
#
#   deploy/install-host.sh [--build DIR] [--prefix /usr/local] [--destdir DIR] [--no-enable]
#
# --build    a finished build folder (default build/, made by ./sbw build)
# --prefix   where programs and shared files go (default /usr/local; the units expect it)
# --destdir  stage everything under DIR instead of / (packaging, tests); implies --no-enable
# --no-enable  copy units but do not run systemctl
# Existing /etc/sbw/*.env files and an existing shiny-server.conf that this script did not
# write are kept (the new one is written next to it as .sbw-new). Run as root. Afterwards:
# fill /etc/sbw/*.env (DW_PG_* passwords, SBW_REFRESH_TOKEN), run sql/bootstrap.sql once as
# a superuser and `sbw-etl migrate` as sbw_owner (docs/schema.md), then start the units.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build; PREFIX=/usr/local; DESTDIR=; ENABLE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --destdir) DESTDIR=$2; ENABLE=0; shift 2 ;;
    --no-enable) ENABLE=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-host.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
say() { echo "install-host: $*"; }
die() { echo "install-host: $*" >&2; exit 1; }
[ -f "$BUILD/CMakeCache.txt" ] || die "no build in $BUILD (./sbw build first)"
[ -n "$DESTDIR" ] || [ "$(id -u)" = 0 ] || die "run as root (or stage with --destdir)"
D=${DESTDIR%/}

say "programs, SQL, web files and openapi.yaml under $PREFIX"
DESTDIR=$D cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null

say "settings in /etc/sbw (existing files kept)"
install -d -m 0750 "$D/etc/sbw"
for f in "$ROOT"/deploy/env/*.env.example; do
  name=$(basename "$f" .example)
  [ -e "$D/etc/sbw/$name" ] || install -m 0640 "$f" "$D/etc/sbw/$name"
done

say "systemd units"
install -d "$D/etc/systemd/system"
for u in "$ROOT"/deploy/systemd/*.service "$ROOT"/deploy/systemd/*.timer; do
  sed "s|/usr/local/bin/|$PREFIX/bin/|g" "$u" > "$D/etc/systemd/system/$(basename "$u")"
  chmod 0644 "$D/etc/systemd/system/$(basename "$u")"
done

if command -v R >/dev/null 2>&1; then
  say "R package sbwapi into $PREFIX/lib/R/site-library"
  install -d "$D$PREFIX/lib/R/site-library"
  # Built from a copy: R CMD INSTALL leaves objects in the folder it builds.
  rtmp=$(mktemp -d /tmp/sbw-install-r.XXXXXX)
  cp -R "$ROOT/shiny/sbwapi" "$rtmp/"
  R CMD INSTALL --no-test-load -l "$D$PREFIX/lib/R/site-library" "$rtmp/sbwapi" >"$rtmp/log" 2>&1 \
    || { cat "$rtmp/log" >&2; die "R CMD INSTALL sbwapi failed (needs r-base-dev, libcurl4-openssl-dev, libcjson-dev)"; }
  rm -rf "$rtmp"
else
  say "R is not installed: skipping sbwapi (the dashboard host needs r-base-core r-base-dev)"
fi

say "dashboard app in /srv/shiny-server/sbw_dashboard"
app=$D/srv/shiny-server/sbw_dashboard
rm -rf "$app"; install -d "$app" "$D/srv/shiny-server/empty"
cp -R "$ROOT/shiny/sbw_dashboard/." "$app/"
rm -rf "$app/tests"
# Shiny Server does not pass its environment to apps; R reads .Renviron from the app folder.
cat > "$app/.Renviron" <<EOF
SBW_API_URL=http://127.0.0.1:8081
R_LIBS_SITE=$PREFIX/lib/R/site-library:/usr/lib/R/site-library:/usr/lib/R/library
EOF

say "Shiny Server configuration"
install -d "$D/etc/shiny-server"
conf=$D/etc/shiny-server/shiny-server.conf
if [ -e "$conf" ] && ! grep -q 'sbw_dashboard' "$conf"; then
  install -m 0644 "$ROOT/deploy/shiny-server/shiny-server.conf" "$conf.sbw-new"
  say "kept your $conf; ours is $conf.sbw-new"
else
  install -m 0644 "$ROOT/deploy/shiny-server/shiny-server.conf" "$conf"
fi

if [ "$ENABLE" = 1 ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable sbw-server.service sbw-ingest.service sbw-etl.timer >/dev/null
  say "enabled sbw-server, sbw-ingest and sbw-etl.timer; start them once /etc/sbw/*.env are filled"
  systemctl is-enabled shiny-server >/dev/null 2>&1 && systemctl restart shiny-server || \
    say "install Shiny Server (its .deb from Posit) for the dashboard; the configuration is in place"
fi
say "done"
