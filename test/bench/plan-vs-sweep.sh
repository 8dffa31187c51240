#!/usr/bin/env bash
# `adagen plan` beside `adagen sweep --instances-needed` in one run: same trace, rate, policy,
# SLOs (the README's defaults) and search range; prints each one's answer and CPU/wall time.
#   bash test/bench/plan-vs-sweep.sh [TRACE] [RATE] [POLICY] [MAX]   (default azure-conv 40 adagen 24)
set -euo pipefail
cd "$(dirname "$0")/../.."
trace=${1:-azure-conv}
rate=${2:-40}
policy=${3:-adagen}
max=${4:-24}
out=$(mktemp -d)
cli=packages/cli/dist/bin/adagen.js
echo "plan vs sweep: $trace at $rate req/s, policy $policy, 1..$max instances; output in $out"
/usr/bin/time -f "plan: user %U s, sys %S s, wall %e s" -o "$out/plan.time" \
  node "$cli" plan --trace "$trace" --rate "$rate" --policy "$policy" --max-instances "$max" \
  --gpu-hour-usd 2 --out "$out/plan" >"$out/plan.txt" 2>"$out/plan.err"
/usr/bin/time -f "sweep: user %U s, sys %S s, wall %e s" -o "$out/sweep.time" \
  node "$cli" sweep --traces "$trace" --policies "$policy" --instances-needed --rate "$rate" \
  --max-instances "$max" --jobs 1 --out "$out/sweep" >"$out/sweep.txt" 2>"$out/sweep.err"
cat "$out/plan.txt"
grep -A4 'instances needed' "$out/sweep.txt"
node -e '
const fs = require("fs");
const plan = JSON.parse(fs.readFileSync(process.argv[1] + "/plan/plan.json", "utf8"));
const sweep = JSON.parse(fs.readFileSync(process.argv[1] + "/sweep/result.json", "utf8"));
const s = sweep.instancesNeeded[0];
console.log("sweep probes:", s.probes.map((p) => `${p.instances}: ${(100 * p.attainment).toFixed(1)}%`).join(", "));
console.log(`answers: plan ${plan.instances}, sweep ${s.instances} (difference ${Math.abs(plan.instances - s.instances)})`);
' "$out"
cat "$out/plan.time" "$out/sweep.time"
awk '/user/ { gsub(",", ""); u[NR] = $3; w[NR] = $9 } END { printf "sweep / plan: %.1fx CPU (user), %.1fx wall\n", u[2] / u[1], w[2] / w[1] }' \
  "$out/plan.time" "$out/sweep.time"
