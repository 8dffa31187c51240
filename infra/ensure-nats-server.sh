#!/usr/bin/env bash
# Make sure a nats-server binary is available (on PATH, in /usr/sbin, or at $NATS_SERVER_BIN).
# When missing, installs Debian's nats-server package if running as root (or ADAGEN_INSTALL=1 with
# sudo); otherwise prints the exact command to run. Prints the binary path on success.
set -euo pipefail

find_bin() {
  if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "$NATS_SERVER_BIN" ]; then echo "$NATS_SERVER_BIN"; return 0; fi
  command -v nats-server 2>/dev/null && return 0
  for p in /usr/sbin/nats-server /usr/local/bin/nats-server /usr/bin/nats-server; do
    [ -x "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

if bin=$(find_bin); then
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-nats-server: installing Debian's nats-server package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nats-server >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nats-server >/dev/null; }
elif [ "${ADAGEN_INSTALL:-0}" = 1 ] && command -v sudo >/dev/null 2>&1; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q nats-server >/dev/null
else
  cat >&2 <<'MSG'
ensure-nats-server: nats-server was not found.
  On Debian/Ubuntu:  sudo apt-get install -y nats-server
  Elsewhere:         download a release from https://github.com/nats-io/nats-server/releases
                     and put it on PATH, or set NATS_SERVER_BIN=/path/to/nats-server
MSG
  exit 1
fi

# The Debian package enables a system service on some hosts; AdaGen starts its own servers.
bin=$(find_bin) || { echo "ensure-nats-server: install finished but nats-server is still missing" >&2; exit 1; }
echo "$bin"
