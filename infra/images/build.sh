#!/usr/bin/env bash
# Builds AdaGen's container images without pulling anything from a registry: each image is a root
# file system assembled here from what this machine has (the binary and the shared libraries `ldd`
# lists, plus the built workspace for the services) and imported with `docker import`.
#
#   bash infra/images/build.sh            # both images
#   bash infra/images/build.sh nats       # adagen/nats-server:local — nats-server alone (FROM scratch)
#   bash infra/images/build.sh adagen     # adagen/adagen:local — node + every service (entry: node)
#
# The adagen image runs one service per container: `node services/<name>/dist/main.js` in /app
# (see docs/DEPLOY.md). It needs the workspace built first (bash infra/bootstrap.sh). Docker comes
# from infra/ensure-docker.sh unless DOCKER_HOST is set. Prints one line per image built.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
say() { printf 'images: %s\n' "$*" >&2; }

if [ -z "${DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$(bash infra/ensure-docker.sh)
  export DOCKER_HOST
fi
command -v docker >/dev/null 2>&1 || { say "the docker command is missing (apt-get install docker.io)"; exit 1; }

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/adagen-image-XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

# Copies an executable and every shared library it loads into root $2, at the same paths.
copy_with_libs() {
  local bin=$1 root=$2
  cp -L --parents "$bin" "$root"
  ldd "$bin" | awk '/=> \//{print $3} /^\s*\/[^ ]+ \(/{print $1}' | while read -r lib; do
    cp -L --parents "$lib" "$root"
  done
}

# Imports root $1 as image $2 (also tagged $3) with the given `--change` lines.
import_root() {
  local root=$1 name=$2 tag=$3
  shift 3
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  local id
  id=$(tar -C "$root" --numeric-owner -c . | docker import "${changes[@]}" - "$name:local")
  docker tag "$name:local" "$name:$tag"
  local size
  size=$(du -sh "$root" | cut -f1)
  id=${id#sha256:}
  echo "built $name:local ($name:$tag, $size, image ${id:0:12})"
}

build_nats() {
  local bin
  bin=$(bash infra/ensure-nats-server.sh)
  local version
  version=$("$bin" --version | sed -E 's/^nats-server: v?//')
  local root="$STAGE/nats"
  mkdir -p "$root/tmp" "$root/data" "$root/etc/nats"
  chmod 1777 "$root/tmp"
  copy_with_libs "$bin" "$root"
  [ "$bin" = /usr/sbin/nats-server ] || { mkdir -p "$root/usr/sbin"; ln -sf "$bin" "$root/usr/sbin/nats-server"; }
  import_root "$root" adagen/nats-server "$version" \
    'ENTRYPOINT ["/usr/sbin/nats-server"]' \
    'EXPOSE 4222 6222 8222'
}

# The workspace's package manifests and built output, with production dependencies only.
stage_app() {
  local app=$1
  mkdir -p "$app"
  cp package.json pnpm-lock.yaml pnpm-workspace.yaml "$app/"
  local pkg
  for pkg in packages/* services/*; do
    [ -f "$pkg/package.json" ] || continue
    mkdir -p "$app/$pkg"
    cp "$pkg/package.json" "$app/$pkg/"
    if [ -d "$pkg/dist" ]; then cp -r "$pkg/dist" "$app/$pkg/"; fi
    # Runtime data a package reads from its own directory (e.g. tokenizer or profile files).
    if [ -d "$pkg/data" ]; then cp -r "$pkg/data" "$app/$pkg/"; fi
  done
  (cd "$app" && CI=true pnpm install --prod --frozen-lockfile --offline --ignore-scripts >/dev/null) || {
    say "pnpm install --prod --offline failed in the staged app (run bash infra/bootstrap.sh first)"
    exit 1
  }
  rm -f "$app/pnpm-lock.yaml"
}

build_adagen() {
  for svc in gateway classifier balancer planner estimator agent; do
    [ -f "services/$svc/dist/main.js" ] || { say "services/$svc is not built: run bash infra/bootstrap.sh"; exit 1; }
  done
  local node version
  node=$(command -v node)
  version=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo dev)
  local root="$STAGE/adagen"
  mkdir -p "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  copy_with_libs "$node" "$root"
  [ "$node" = /usr/bin/node ] || { mkdir -p "$root/usr/bin"; ln -sf "$node" "$root/usr/bin/node"; }
  # A user for the services (uid 10001), and name resolution files node reads.
  printf 'root:x:0:0::/:/nonexistent\nadagen:x:10001:10001::/app:/nonexistent\n' >"$root/etc/passwd"
  printf 'root:x:0:\nadagen:x:10001:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  stage_app "$root/app"
  import_root "$root" adagen/adagen "$version" \
    'WORKDIR /app' \
    'ENV NODE_ENV=production' \
    'USER 10001' \
    'ENTRYPOINT ["/usr/bin/node"]' \
    'CMD ["packages/cli/dist/bin/adagen.js", "--help"]'
}

case "${1:-all}" in
  nats) build_nats ;;
  adagen) build_adagen ;;
  all) build_nats && build_adagen ;;
  *) say "unknown image ${1}; expected nats, adagen or nothing (both)"; exit 2 ;;
esac
