#!/usr/bin/env bash
# Make sure a Chromium binary is available for the dashboard's browser test (Debian's `chromium`).
# Looks at $CHROMIUM_BIN, then PATH (chromium, chromium-browser), then /usr/bin/chromium. When
# missing, installs Debian's chromium package if running as root with apt-get (or ADAGEN_INSTALL=1
# with sudo). Prints the binary path on success; on failure prints why to stderr and exits 1, so a
# caller can skip (not fail) what needs a browser.
set -euo pipefail

find_bin() {
  if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "$CHROMIUM_BIN" ]; then echo "$CHROMIUM_BIN"; return 0; fi
  for name in chromium chromium-browser; do
    command -v "$name" 2>/dev/null && return 0
  done
  for p in /usr/bin/chromium /usr/lib/chromium/chromium; do
    [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

if bin=$(find_bin); then
  echo "$bin"
  exit 0
fi

install() {
  DEBIAN_FRONTEND=noninteractive $1 apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 ||
    { $1 apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive $1 apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; }
}

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium package" >&2
  install "" || { echo "ensure-chromium: apt-get install chromium failed" >&2; exit 1; }
elif [ "${ADAGEN_INSTALL:-0}" = 1 ] && command -v sudo >/dev/null 2>&1; then
  install sudo || { echo "ensure-chromium: sudo apt-get install chromium failed" >&2; exit 1; }
else
  echo "ensure-chromium: chromium was not found and cannot be installed here (not root, or no apt-get); on Debian/Ubuntu: sudo apt-get install -y chromium, or set CHROMIUM_BIN" >&2
  exit 1
fi

bin=$(find_bin) || { echo "ensure-chromium: install finished but chromium is still missing" >&2; exit 1; }
echo "$bin"
