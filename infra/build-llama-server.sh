#!/usr/bin/env bash
# Build llama.cpp's `llama-server` offline, CPU only, from the llama.cpp source that the
# node-llama-cpp npm package ships as a git bundle (node_modules/.../node-llama-cpp/llama/gitRelease.bundle).
# No network: the web UI is not downloaded (-DLLAMA_USE_PREBUILT_UI=OFF), no curl, no GPU backends.
# Not part of CI: about 21 minutes on 2 cores. Run it niced in the background, e.g.
#   nice -n 19 bash infra/build-llama-server.sh > /tmp/llama-server-build.log 2>&1 &
# Prints the binary's path on success. Environment:
#   LLAMA_SERVER_DIR  work directory (default: $HOME/.cache/adagen/llama-server); the binary ends up
#                     at $LLAMA_SERVER_DIR/build/bin/llama-server
#   JOBS              parallel compile jobs (default: nproc)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LLAMA_SERVER_DIR:-$HOME/.cache/adagen/llama-server}
jobs=${JOBS:-$(nproc)}

for tool in git cmake c++; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-llama-server: '$tool' is required (apt-get install -y git cmake g++)" >&2; exit 1; }
done

bundle=$(find "$root/node_modules/.pnpm" -maxdepth 5 -path '*node-llama-cpp/llama/gitRelease.bundle' 2>/dev/null | head -n 1 || true)
if [ -z "$bundle" ]; then
  echo "build-llama-server: no node-llama-cpp llama.cpp bundle under $root/node_modules/.pnpm — run 'pnpm install' first" >&2
  exit 1
fi
info=$(dirname "$bundle")/llama.cpp.info.json
echo "build-llama-server: source bundle $bundle ($(tr -d '\n ' < "$info" 2>/dev/null || echo 'no info'))" >&2

if [ -x "$dir/build/bin/llama-server" ]; then
  echo "build-llama-server: already built" >&2
  echo "$dir/build/bin/llama-server"
  exit 0
fi

mkdir -p "$dir"
if [ ! -d "$dir/src/.git" ]; then
  rm -rf "$dir/src"
  git clone --quiet "$bundle" "$dir/src"
fi

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S "$dir/src" -B "$dir/build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON \
  -DGGML_NATIVE=ON \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_OPENMP=OFF >&2
cmake --build "$dir/build" --target llama-server -j "$jobs" >&2

bin="$dir/build/bin/llama-server"
[ -x "$bin" ] || { echo "build-llama-server: build finished but $bin is missing" >&2; exit 1; }
"$bin" --version >&2 || true
echo "$bin"
