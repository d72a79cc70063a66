#!/usr/bin/env bash
# Installs Debian's headless-capable `chromium` for the browser tests and the UI
# benchmark (test/web, bench --ui) when it is missing. Never downloads a browser build:
# only the OS package. Idempotent. Prints the executable's path on stdout.
set -euo pipefail

log() { echo "[provision-chromium] $*" >&2; }
find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then echo "$CHROMIUM_PATH"; return 0; fi
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && { echo "$c"; return 0; }; done
  return 1
}

if find_chromium; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "chromium is missing and cannot be installed here (needs root and apt-get): apt-get install chromium, or set CHROMIUM_PATH"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log "apt-get install chromium"
apt-get install -y -qq --no-install-recommends chromium >&2 || { apt-get update -qq >&2; apt-get install -y -qq --no-install-recommends chromium >&2; }
find_chromium
