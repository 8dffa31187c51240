#!/usr/bin/env bash
# One-step set-up for a fresh clone: tools (Node check, pnpm, nats-server), dependencies, build.
# Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "bootstrap: tools (Node, pnpm, nats-server)…" >&2
bash infra/ensure-tools.sh >/dev/null
echo "bootstrap: dependencies (pnpm install)…" >&2
if [ "${CI:-}" = true ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --frozen-lockfile --prefer-offline 2>/dev/null || pnpm install
fi
echo "bootstrap: building every package and service (tsc -b; about a minute the first time)…" >&2
pnpm run build
echo "bootstrap: done" >&2
