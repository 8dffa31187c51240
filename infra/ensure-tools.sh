#!/usr/bin/env bash
# Make sure the tools AdaGen needs exist: Node >= 20.19, pnpm 10.34.9 and nats-server.
# Installs what is missing when it may (root, or ADAGEN_INSTALL=1), otherwise prints exactly how.
set -euo pipefail

PNPM_VERSION=10.34.9
can_install() { [ "$(id -u)" = 0 ] || [ "${ADAGEN_INSTALL:-0}" = 1 ]; }
say() { printf 'ensure-tools: %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1; then
  say "node is missing. Install Node.js 20.19 or newer (https://nodejs.org) and run this again."
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  say "node $(node --version) is too old: AdaGen needs 20.19 or newer."
  exit 1
}

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  say "installing pnpm@$PNPM_VERSION with npm"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || {
    say "could not install pnpm; run: npm install -g pnpm@$PNPM_VERSION"
    exit 1
  }
fi

bash "$(dirname "$0")/ensure-nats-server.sh"
