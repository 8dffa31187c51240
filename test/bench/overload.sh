#!/usr/bin/env bash
# The recorded overload run (docs/RELIABILITY.md): `adagen up` with N simulated A100 agents, then
# `adagen replay` of the Azure conversation trace at 3x the rate the fleet sustains, then at
# 0.5x (recovery), sampling the gateway's and balancer's memory every second and probing the
# gateway with curl every 2 s for the status and Retry-After of a shed request.
#
#   bash test/bench/overload.sh <slo|strict|off> <out-dir> [agents=2] [sustained-rate=6] [seconds=90]
set -euo pipefail
ADMISSION=${1:?slo, strict or off}
OUT=${2:?out dir}
AGENTS=${3:-2}
RATE=${4:-6}
SECONDS_OVER=${5:-90}
PORT=${PORT:-18090}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ADAGEN="node $ROOT/packages/cli/dist/bin/adagen.js"
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)
$ADAGEN up --agents "$AGENTS" --admission "$ADMISSION" --port "$PORT" --max-model-len 16384 \
  --dir "$OUT/logs" --stats-every 10 >"$OUT/up.txt" 2>&1 &
UP=$!
trap 'kill -INT $UP 2>/dev/null; wait $UP 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q 'Ctrl-C' "$OUT/up.txt" && break; sleep 0.5; done
BAL_PORT=$(grep -o '"port":[0-9]*' "$OUT/logs/balancer-0.log" | head -1 | cut -d: -f2)
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 ~ "^"m"(\\{|$)" {s+=$2} END {printf "%d", s}'; }
(
  echo "t_s gateway_rss_mb gateway_heap_mb gateway_in_flight balancer_rss_mb balancer_heap_mb"
  t=0
  while kill -0 $UP 2>/dev/null; do
    echo "$t $(( $(metric "$PORT" process_resident_memory_bytes) / 1048576 )) $(( $(metric "$PORT" nodejs_heap_size_used_bytes) / 1048576 )) $(metric "$PORT" adagen_gateway_in_flight) $(( $(metric "$BAL_PORT" process_resident_memory_bytes) / 1048576 )) $(( $(metric "$BAL_PORT" nodejs_heap_size_used_bytes) / 1048576 ))"
    sleep 1
    t=$((t + 1))
  done
) >"$OUT/memory.txt" 2>/dev/null &
(
  while kill -0 $UP 2>/dev/null; do
    curl -s -o /dev/null -w '%{http_code} retry-after=%header{retry-after}\n' \
      "http://127.0.0.1:$PORT/v1/completions" -H 'content-type: application/json' \
      -d '{"model":"meta-llama/Meta-Llama-3-8B-Instruct","prompt":"probe","max_tokens":16}' || true
    sleep 2
  done
) >"$OUT/probes.txt" 2>/dev/null &
OVER_RATE=$(awk -v r="$RATE" 'BEGIN {print 3 * r}')
LOW_RATE=$(awk -v r="$RATE" 'BEGIN {print r / 2}')
$ADAGEN replay --trace azure-conv --url "http://127.0.0.1:$PORT" --rate "$OVER_RATE" \
  --requests "$(awk -v r="$OVER_RATE" -v s="$SECONDS_OVER" 'BEGIN {print int(r * s)}')" \
  --output-mode adagen --prompt-format tokens --out "$OUT/over" | tee "$OUT/over.txt"
$ADAGEN replay --trace azure-conv --url "http://127.0.0.1:$PORT" --rate "$LOW_RATE" \
  --requests "$(awk -v r="$LOW_RATE" 'BEGIN {print int(r * 60)}')" \
  --output-mode adagen --prompt-format tokens --out "$OUT/low" | tee "$OUT/low.txt"
curl -s "http://127.0.0.1:$BAL_PORT/metrics" | grep '^adagen_admission_total' >"$OUT/admission.txt" || true
curl -s "http://127.0.0.1:$PORT/metrics" | grep '^adagen_requests_total' >"$OUT/requests.txt" || true
