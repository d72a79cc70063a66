#!/usr/bin/env bash
# Provisions the binaries the stack needs on Debian/Ubuntu: nats-server, PostgreSQL
# server, and the TimescaleDB extension (built from Debian's source package where no
# binary package exists, e.g. on bookworm). Idempotent: re-runs skip what is there.
# Used by `npm start` and by the test harness (same code path, see src/localstack).
set -euo pipefail

log() { echo "[provision] $*" >&2; }
die() { echo "[provision] $*" >&2; exit 1; }

have_nats() { command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || [ -x /usr/bin/nats-server ]; }
pg_config_path() {
  if [ -n "${PG_CONFIG:-}" ] && [ -x "$PG_CONFIG" ]; then echo "$PG_CONFIG"; return; fi
  ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -n 1
}
have_pg_server() { local c; c=$(pg_config_path); [ -n "$c" ] && [ -x "$($c --bindir)/postgres" ]; }
have_tsdb() { local c; c=$(pg_config_path); [ -n "$c" ] && [ -f "$($c --sharedir)/extension/timescaledb.control" ]; }

if have_nats && have_pg_server && have_tsdb; then exit 0; fi

manual_help() {
  cat >&2 <<'TXT'
[provision] Missing binaries and cannot install them automatically (needs root and apt-get).
Install them yourself, then re-run:
  - nats-server (2.9.4+; Debian/Ubuntu: apt-get install nats-server)
  - PostgreSQL 15+ server (apt-get install postgresql postgresql-server-dev-all)
  - TimescaleDB 2.x for that PostgreSQL (https://docs.timescale.com/self-hosted/latest/install/)
Or run the whole stack with Docker:  docker compose up
Or point the app at running services:  DATABASE_URL=postgres://...  NATS_URL=nats://...  npm start
TXT
  exit 1
}
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || manual_help

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() { if [ $updated = 0 ]; then log "apt-get update"; apt-get update -qq >&2; updated=1; fi; }
apt_install() { apt_update; log "apt-get install $*"; apt-get install -y -qq --no-install-recommends "$@" >&2; }

if ! have_nats; then apt_install nats-server; fi

if ! have_pg_server; then
  # We run private clusters only; don't let the package create and start a system one.
  mkdir -p /etc/postgresql-common
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  apt_install postgresql
fi

if have_tsdb; then exit 0; fi

PGC=$(pg_config_path)
PGMAJOR=$("$PGC" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
apt_update
# 1) A distro binary package (Debian trixie+ / Ubuntu names differ).
for pkg in "postgresql-${PGMAJOR}-timescaledb" "timescaledb-2-postgresql-${PGMAJOR}"; do
  if apt-cache show "$pkg" >/dev/null 2>&1; then apt_install "$pkg"; have_tsdb && exit 0; fi
done

# 2) Build Debian's source package, Apache-only. On bookworm it only exists in trixie:
# add a deb-src entry for trixie that reuses the configured Debian URI and keyring.
# A source-only entry pulls in no trixie binaries.
apt_install "postgresql-server-dev-${PGMAJOR}" cmake gcc make dpkg-dev libssl-dev
if ! apt-cache showsrc timescaledb 2>/dev/null | grep -q '^Package: timescaledb'; then
  uri=""; keyring=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk '/^URIs:/{print $2; exit}' "$f"); k=$(awk '/^Signed-By:/{print $2; exit}' "$f")
    case "$u" in *debian-security*|"") continue;; esac
    case "$u" in */debian|*/debian/) uri=$u; keyring=$k; break;; esac
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(http|https|file):/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "no Debian source URI found in /etc/apt; cannot fetch timescaledb source"
  log "adding deb-src trixie from $uri"
  {
    echo "Types: deb-src"; echo "URIs: $uri"; echo "Suites: trixie"; echo "Components: main"
    [ -n "$keyring" ] && echo "Signed-By: $keyring"
  } > /etc/apt/sources.list.d/telemetry-tracker-trixie-src.sources
  updated=0; apt_update
fi
work=$(mktemp -d /tmp/tsdb-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
log "fetching timescaledb source into $work"
(cd "$work" && apt-get source -qq --download-only timescaledb >&2 && dpkg-source -x --no-check ./timescaledb_*.dsc src >&2)
log "building TimescaleDB (Apache-only) against $PGC"
(cd "$work/src" && ./bootstrap -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
   -DPG_CONFIG="$PGC" >/dev/null && make -C build -j"$(nproc)" install >/dev/null)
have_tsdb || die "TimescaleDB build finished but timescaledb.control is not installed"
log "TimescaleDB installed"
