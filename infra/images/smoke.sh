#!/usr/bin/env bash
# Image smoke test: builds both images (infra/images/build.sh, nothing pulled), then runs the
# fleet of infra/k8s/values.sim.yaml from them in containers on host networking and serves a
# completion through the gateway (test/src/deploy/images.test.ts). Needs Docker
# (infra/ensure-docker.sh gets one) and the workspace built (bash infra/bootstrap.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash infra/ensure-docker.sh)
  export DOCKER_HOST
fi
bash infra/images/build.sh
export ADAGEN_IMAGE_SMOKE=1 ADAGEN_NATS_MODE=container ADAGEN_NATS_IMAGE=adagen/nats-server:local
exec pnpm vitest run --project integration test/src/deploy/images.test.ts
