#!/usr/bin/env bash
# One-step set-up for a fresh clone: tools (Node check, pnpm, nats-server), dependencies, build.
# Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-tools.sh >/dev/null
if [ "${CI:-}" = true ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --frozen-lockfile --prefer-offline 2>/dev/null || pnpm install
fi
pnpm run build
