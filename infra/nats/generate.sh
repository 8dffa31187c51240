#!/usr/bin/env bash
# Builds @adagen/natsconf and writes a nats-server config, nkey seeds and per-user env files.
#   bash infra/nats/generate.sh                                  # the example fleet → infra/nats/generated
#   bash infra/nats/generate.sh --fleet my-fleet.json --out /etc/adagen/nats
#   bash infra/nats/generate.sh --matrix                         # the permission matrix (Markdown)
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm exec tsc -b packages/natsconf
if [ "$#" -eq 0 ]; then
  set -- --fleet infra/nats/fleet.example.json --out infra/nats/generated
fi
exec node packages/natsconf/dist/bin/natsconf.js "$@"
