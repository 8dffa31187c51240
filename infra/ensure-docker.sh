#!/usr/bin/env bash
# Make sure a Docker daemon is reachable and print its address (a DOCKER_HOST value) on stdout.
#
#   export DOCKER_HOST=$(bash infra/ensure-docker.sh)
#
# In order: $DOCKER_HOST if it answers; the system daemon (/var/run/docker.sock) if it answers;
# AdaGen's own daemon (unix:///run/adagen-docker/docker.sock) if it is already running; else, as
# root (or with ADAGEN_INSTALL=1 and sudo), install Debian's docker.io when dockerd is missing and
# start AdaGen's own daemon: no bridge, no iptables rules (containers use host networking), its own
# socket, data root and pid file, so it never touches the host's networking or a system daemon.
# Stop it with: bash infra/ensure-docker.sh --stop
# Prints why and exits 1 when no daemon can be had.
set -euo pipefail

RUN_DIR=/run/adagen-docker
SOCK="$RUN_DIR/docker.sock"
OWN_HOST="unix://$SOCK"
DATA_ROOT=/var/lib/adagen-docker
LOG=${ADAGEN_DOCKERD_LOG:-/var/log/adagen-dockerd.log}
say() { printf 'ensure-docker: %s\n' "$*" >&2; }

# True when the daemon at $1 (unix://path) answers /_ping.
answers() {
  local path=${1#unix://}
  [ -S "$path" ] && curl -fsS --max-time 3 --unix-socket "$path" http://localhost/_ping >/dev/null 2>&1
}

if [ "${1:-}" = --stop ]; then
  if [ -f "$RUN_DIR/dockerd.pid" ] && kill -0 "$(cat "$RUN_DIR/dockerd.pid")" 2>/dev/null; then
    pid=$(cat "$RUN_DIR/dockerd.pid")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    say "stopped AdaGen's dockerd ($pid)"
  fi
  exit 0
fi

if ! command -v curl >/dev/null 2>&1; then
  say "curl is missing (apt-get install curl)"
  exit 1
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  case "$DOCKER_HOST" in
    unix://*) if answers "$DOCKER_HOST"; then echo "$DOCKER_HOST"; exit 0; fi ;;
    *) echo "$DOCKER_HOST"; exit 0 ;; # tcp:// and others: trusted as given
  esac
  say "DOCKER_HOST=$DOCKER_HOST does not answer; looking further"
fi
if answers unix:///var/run/docker.sock; then echo unix:///var/run/docker.sock; exit 0; fi
if answers "$OWN_HOST"; then echo "$OWN_HOST"; exit 0; fi

SUDO=()
if [ "$(id -u)" != 0 ]; then
  if [ "${ADAGEN_INSTALL:-0}" = 1 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    say "no Docker daemon answers and starting one needs root (or ADAGEN_INSTALL=1 with sudo)"
    exit 1
  fi
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "dockerd is missing and apt-get is not available to install it"
    exit 1
  fi
  say "installing Debian's docker.io (dockerd, containerd, runc)"
  install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >/dev/null 2>&1; }
  install || { "${SUDO[@]}" apt-get update -q >/dev/null 2>&1 && install; } || {
    say "apt-get install docker.io failed"
    exit 1
  }
fi

"${SUDO[@]}" mkdir -p "$RUN_DIR" "$DATA_ROOT"
say "starting dockerd on $OWN_HOST (log: $LOG)"
"${SUDO[@]}" setsid dockerd \
  --host "$OWN_HOST" \
  --data-root "$DATA_ROOT" \
  --exec-root "$RUN_DIR/exec" \
  --pidfile "$RUN_DIR/dockerd.pid" \
  --bridge=none --iptables=false --ip6tables=false \
  </dev/null >>"$LOG" 2>&1 &
for _ in $(seq 300); do
  if answers "$OWN_HOST"; then echo "$OWN_HOST"; exit 0; fi
  sleep 0.1
done
say "dockerd did not answer within 30 s; its log ends with:"
tail -n 15 "$LOG" >&2 || true
exit 1
