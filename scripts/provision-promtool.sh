#!/usr/bin/env bash
# Makes sure `promtool` (the Prometheus exposition-format linter) is installed, for the
# metrics tests (test/grafana/prometheus.int.test.ts). Debian ships it in the `prometheus`
# package; installing that package must not leave a Prometheus server running here, so
# service starts are refused while it installs (policy-rc.d, see invoke-rc.d(8)) and any
# unit it enabled is stopped. Idempotent: exits at once when promtool is on PATH.
set -euo pipefail

log() { echo "[provision-promtool] $*" >&2; }

if command -v promtool >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "promtool is missing; install it yourself (Debian/Ubuntu: apt-get install prometheus), then re-run"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; own_policy=1
fi
cleanup() { if [ $own_policy = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

if ! apt-cache show prometheus >/dev/null 2>&1; then
  log "apt-get update"; apt-get update -qq >&2
fi
log "apt-get install prometheus (for promtool)"
apt-get install -y -qq --no-install-recommends prometheus >&2
# Where systemd does run, the package enables and starts prometheus.service: stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
  systemctl disable prometheus >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null 2>&1 || { log "promtool still not found after installing prometheus"; exit 1; }
