#!/usr/bin/env bash
# Provisions the binaries the stack needs on Debian/Ubuntu: nats-server 2.10+, PostgreSQL
# server, and the TimescaleDB extension (built from Debian's source package where no
# binary package exists, e.g. on bookworm). Idempotent: re-runs skip what is there and
# print nothing. Used by `npm start` and by the test harness (same code path, see
# src/localstack). Each step prints one line; what apt, dpkg and the build print goes
# to a log file named on that line (shown in full only when a step fails).
set -euo pipefail

log() { echo "[provision] $*" >&2; }
die() { echo "[provision] $*" >&2; exit 1; }

# 2.10 brings JetStream's sync_interval (NATS_SYNC_INTERVAL=always, docs/ingest.md
# "Durability"); Debian bookworm ships 2.9.10, so on bookworm trixie's binary is installed.
NATS_MIN=2.10.0
# The binary src/localstack/provision.ts will run: the first on PATH, else /usr/sbin, /usr/bin.
nats_bin() {
  command -v nats-server 2>/dev/null && return
  local p; for p in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
    [ -x "$p" ] && { echo "$p"; return; }
  done
  return 1
}
nats_version() { "$1" --version 2>/dev/null | sed -nE 's/^[^0-9]*([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' | head -n 1; }
version_ge() { [ "$(printf '%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }
have_nats() { nats_bin >/dev/null; }
have_current_nats() { local b v; b=$(nats_bin) && v=$(nats_version "$b") && [ -n "$v" ] && version_ge "$v" "$NATS_MIN"; }
pg_config_path() {
  if [ -n "${PG_CONFIG:-}" ] && [ -x "$PG_CONFIG" ]; then echo "$PG_CONFIG"; return; fi
  ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -n 1
}
have_pg_server() { local c; c=$(pg_config_path); [ -n "$c" ] && [ -x "$($c --bindir)/postgres" ]; }
have_tsdb() { local c; c=$(pg_config_path); [ -n "$c" ] && [ -f "$($c --sharedir)/extension/timescaledb.control" ]; }

if have_current_nats && have_pg_server && have_tsdb; then exit 0; fi

manual_help() {
  cat >&2 <<'TXT'
[provision] Missing binaries and cannot install them automatically (needs root and apt-get).
Install them yourself, then re-run:
  - nats-server 2.10+ (Debian trixie: apt-get install nats-server; on bookworm, trixie's
    nats-server .deb installs as is, it depends only on libc6 >= 2.34 and adduser; or a
    release from https://github.com/nats-io/nats-server/releases)
  - PostgreSQL 15+ server (apt-get install postgresql postgresql-server-dev-all)
  - TimescaleDB 2.x for that PostgreSQL (https://docs.timescale.com/self-hosted/latest/install/)
Or run the whole stack with Docker:  docker compose up
Or point the app at running services:  DATABASE_URL=postgres://...  NATS_URL=nats://...  npm start
TXT
  exit 1
}
old_nats_note() {
  local b; b=$(nats_bin)
  log "$b is $(nats_version "$b"); NATS_SYNC_INTERVAL other than 'default' needs nats-server ${NATS_MIN%.0}+ (docs/ingest.md \"Durability\")"
}
if ! { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }; then
  # An older nats-server still runs the stack; only a non-default sync interval is refused.
  if have_nats && have_pg_server && have_tsdb; then old_nats_note; exit 0; fi
  manual_help
fi

# Everything apt, dpkg and the build print goes here (created at the first step); one
# line per step on stderr.
LOG=""
work=""
trap '[ -z "$work" ] || rm -rf "$work"' EXIT
# step DESCRIPTION COMMAND...: one line, the command's output in $LOG; on failure its
# tail, and status 1 (which ends the script under set -e, except where a caller tests it).
step() {
  local what=$1; shift
  [ -n "$LOG" ] || LOG=$(mktemp "${TMPDIR:-/tmp}/tracker-provision.XXXXXX.log")
  log "$what (log: $LOG)"
  echo "=== $what: $*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    log "FAILED: $what; the last lines of $LOG:"
    tail -n 25 "$LOG" >&2
    return 1
  fi
}

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() { if [ $updated = 0 ]; then step "apt-get update" apt-get update -q || return 1; updated=1; fi; }
apt_install() { apt_update && step "apt-get install $*" apt-get install -y -q --no-install-recommends "$@"; }

# The configured Debian archive (URI and keyring) of this machine, to reach trixie from
# bookworm without hard-coding a mirror: sets debian_uri and debian_keyring.
debian_uri=""; debian_keyring=""
find_debian_source() {
  local f u k
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk '/^URIs:/{print $2; exit}' "$f"); k=$(awk '/^Signed-By:/{print $2; exit}' "$f")
    case "$u" in *debian-security*|"") continue;; esac
    case "$u" in */debian|*/debian/) debian_uri=$u; debian_keyring=$k; return 0;; esac
  done
  if [ -f /etc/apt/sources.list ]; then
    debian_uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(http|https|file):/ && $i ~ /\/debian\/?$/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$debian_uri" ]
}

# nats-server: the distro's when it is 2.10+, else Debian trixie's binary package. It is
# fetched through a throwaway apt configuration (its own source list and index dir), so
# the machine's apt never sees trixie, and installed with apt from the machine's own
# sources: its dependencies (libc6 >= 2.34, adduser) come from bookworm, nothing else
# from trixie.
install_trixie_nats() {
  find_debian_source || { log "no Debian archive in /etc/apt to fetch trixie's nats-server from"; return 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/tracker-nats-trixie.XXXXXX")
  mkdir -p "$work/lists/partial" "$work/deb"
  echo "deb ${debian_keyring:+[signed-by=$debian_keyring] }$debian_uri trixie main" > "$work/trixie.list"
  local tmp_apt=(-o "Dir::Etc::SourceList=$work/trixie.list" -o Dir::Etc::SourceParts=- \
    -o "Dir::State::Lists=$work/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  # Called as a condition, so set -e is off in here: every step is checked.
  step "reading Debian trixie's package index from $debian_uri (not added to apt's sources)" \
    apt-get "${tmp_apt[@]}" update -q || return 1
  step "downloading trixie's nats-server" \
    bash -c 'cd "$1" && shift && apt-get "$@" download nats-server/trixie' _ "$work/deb" "${tmp_apt[@]}" || return 1
  apt_install "$(ls "$work"/deb/nats-server_*.deb)" || return 1
  rm -rf "$work"; work=""
}
install_nats() {
  local b cand
  if b=$(nats_bin) && ! dpkg -S "$(readlink -f "$b")" >/dev/null 2>&1; then
    # The operator's own binary comes first on PATH: theirs to upgrade, not ours.
    old_nats_note; return 0
  fi
  apt_update
  cand=$(apt-cache policy nats-server 2>/dev/null | awk '/Candidate:/{print $2}'); cand=${cand#*:}
  if [ -n "$cand" ] && [ "$cand" != "(none)" ] && version_ge "${cand%%-*}" "$NATS_MIN"; then
    apt_install nats-server # the distro's own is current (trixie and later)
  elif ! install_trixie_nats; then
    log "could not install trixie's nats-server; keeping the distro's"
    have_nats || apt_install nats-server
  fi
  have_nats || die "nats-server is not installed (see $LOG)"
  if have_current_nats; then log "nats-server $(nats_version "$(nats_bin)") at $(nats_bin)"; else old_nats_note; fi
}
if ! have_current_nats; then install_nats; fi

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
  find_debian_source || die "no Debian source URI found in /etc/apt; cannot fetch timescaledb source"
  log "adding deb-src trixie from $debian_uri"
  {
    echo "Types: deb-src"; echo "URIs: $debian_uri"; echo "Suites: trixie"; echo "Components: main"
    [ -n "$debian_keyring" ] && echo "Signed-By: $debian_keyring"
  } > /etc/apt/sources.list.d/telemetry-tracker-trixie-src.sources
  updated=0; apt_update
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tsdb-build.XXXXXX")
step "fetching the timescaledb source package into $work" \
  bash -c 'cd "$1" && apt-get source -q --download-only timescaledb && dpkg-source -x --no-check ./timescaledb_*.dsc src' _ "$work"
# bootstrap runs cmake, whose version probe calls git in an unpacked tarball: it prints
# "fatal: not a git repository" three times, harmless; it stays in the log.
step "configuring TimescaleDB (Apache-only) against $PGC" \
  bash -c 'cd "$1/src" && ./bootstrap -DAPACHE_ONLY=1 -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF -DPG_CONFIG="$2"' _ "$work" "$PGC"
step "building and installing TimescaleDB (about half a minute on 2 cores)" make -C "$work/src/build" -j"$(nproc)" install
have_tsdb || die "TimescaleDB build finished but timescaledb.control is not installed (see $LOG)"
log "TimescaleDB installed"
