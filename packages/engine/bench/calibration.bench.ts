// Online calibration: error of the calibrated profile vs the TRUE engine profile as iterations
// are observed, for an engine slower than its start profile (A100 × 1.2) and one of another
// shape (H100, starting from A100), without and with measurement noise.
// pnpm --filter @adagen/engine bench:calibration
import { A100, H100, runRecovery, scaledProfile } from '../src/calibration/scenario.testutil.js';
import type { Recovery } from '../src/calibration/scenario.testutil.js';
import type { LatencyProfile } from '../src/index.js';

const CHECKPOINTS = [1, 5, 10, 25, 50, 100, 200, 300, 500, 1000, 2000, 4000];
const pct = (x: number) => `${(100 * x).toFixed(2)} %`.padStart(9);

const cases: Array<{
  label: string;
  truth: LatencyProfile;
  jitterSigma: number;
  ratePerS?: number;
}> = [
  { label: 'A100 x1.2, no noise', truth: scaledProfile(A100, 1.2, 'a100x1.2'), jitterSigma: 0 },
  { label: 'H100 shape, no noise', truth: H100, jitterSigma: 0 },
  {
    label: 'A100 x1.2, noise sigma 0.05',
    truth: scaledProfile(A100, 1.2, 'a100x1.2'),
    jitterSigma: 0.05,
  },
  { label: 'H100 shape, noise sigma 0.05', truth: H100, jitterSigma: 0.05 },
  {
    label: 'A100 x1.2, noise sigma 0.15',
    truth: scaledProfile(A100, 1.2, 'a100x1.2'),
    jitterSigma: 0.15,
  },
  { label: 'H100 shape, noise sigma 0.15', truth: H100, jitterSigma: 0.15 },
  {
    label: 'A100 x30 (a far slower engine), no noise',
    truth: scaledProfile(A100, 30, 'a100x30'),
    jitterSigma: 0,
  },
  {
    label: 'H100 shape x30 at 1/30 the rate (the same load), noise sigma 0.05',
    truth: scaledProfile(H100, 30, 'h100x30'),
    jitterSigma: 0.05,
    ratePerS: 20 / 30,
  },
];

function print(label: string, r: Recovery): void {
  process.stdout.write(
    `\n${label}: ${r.iterations} iterations; start profile (A100) error vs truth: median ${pct(r.startMedian).trim()} on the run, ${pct(r.startGridMedian).trim()} on the grid\n`,
  );
  process.stdout.write(
    '  iters | run median |  run p90 | grid median | grid p90 | scale | window fit median | prediction median\n',
  );
  for (const p of r.points) {
    process.stdout.write(
      `  ${String(p.iterations).padStart(5)} | ${pct(p.median)}  | ${pct(p.p90)}|   ${pct(p.gridMedian)} |${pct(p.gridP90)} | ${p.stats.scale.toFixed(3)} |   ${pct(p.stats.fitError.median)}       | ${pct(p.stats.predictionError.median)}\n`,
    );
  }
}

const seed = Number(process.argv[2] ?? 7);
process.stdout.write(
  `seed ${seed}; 600 requests, Poisson 20 req/s unless said, prompts 1–2000, outputs 1–200; start profile A100\n`,
);
for (const c of cases) {
  print(
    c.label,
    runRecovery(
      {
        truth: c.truth,
        start: A100,
        jitterSigma: c.jitterSigma,
        seed,
        requests: 600,
        ratePerS: c.ratePerS ?? 20,
      },
      CHECKPOINTS,
    ),
  );
}

// Spread over seeds: the median error vs the truth after 500 iterations.
const seeds = Number(process.argv[3] ?? 20);
process.stdout.write(
  `\nmedian error vs truth after 500 iterations, seeds 1–${seeds} (min / median / max)\n`,
);
for (const c of cases.slice(0, 6)) {
  const m: number[] = [];
  for (let s = 1; s <= seeds; s++) {
    const r = runRecovery(
      { truth: c.truth, start: A100, jitterSigma: c.jitterSigma, seed: s, requests: 600 },
      [500],
    );
    m.push(r.points[0]?.median ?? Number.NaN);
  }
  m.sort((a, b) => a - b);
  process.stdout.write(
    `  ${c.label.padEnd(30)} ${pct(m[0]!)} / ${pct(m[Math.floor(m.length / 2)]!)} / ${pct(m[m.length - 1]!)}\n`,
  );
}
