/** The workload and helpers shared by the llama benchmarks (bench:llama, bench:llama-iterations). */

export { flag } from './common.js';

/** A seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Ask {
  readonly atMs: number;
  /** Token ids (byte tokens of the generated model): the router counts what the engine runs. */
  readonly prompt: number[];
  readonly maxTokens: number;
}

/** Poisson arrivals; prompts of 16–1000 tokens, outputs of 8–96 tokens (ignore_eos). */
export function workload(n: number, ratePerS: number, seed: number): Ask[] {
  const r = rng(seed);
  let t = 0;
  return Array.from({ length: n }, () => {
    t += (-Math.log(1 - r()) / ratePerS) * 1000;
    const tokens = 16 + Math.floor(r() ** 2 * 984);
    const prompt = Array.from({ length: tokens }, () => 32 + Math.floor(r() * 90));
    return { atMs: t, prompt, maxTokens: 8 + Math.floor(r() * 88) };
  });
}

/** The q-quantile (nearest rank) of `xs`; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** What the noise-floor figure needs of a completion record. */
export interface EngineSample {
  readonly instanceIds: readonly string[];
  readonly promptTokens: number;
  readonly queuedAtMs?: number | undefined;
  readonly firstTokenAtMs: number;
  readonly finishedAtMs: number;
  readonly ttftMs: number;
}

/**
 * The engine's own noise floor for TTFT prediction: over the requests that found their instance
 * idle (no other request of the run between its queueing and finish), the best weighted
 * least-squares fit of the engine part (first token − queued) on the prompt, a + b·p +
 * c·max(0, p − 512), fitted in-sample on these very requests; the median and p90 of its
 * residual relative to each request's TTFT (as the TTFT error is: control delay taken as
 * exact). No model of prompt length predicts these requests better on average than this fit
 * of their own measurements: what is left is the machine's jitter.
 */
export function idleEngineFloor(records: readonly EngineSample[]): {
  n: number;
  p50: number;
  p90: number;
} {
  const idle = records.filter(
    (r) =>
      r.queuedAtMs !== undefined &&
      !records.some(
        (o) =>
          o !== r &&
          o.instanceIds[0] === r.instanceIds[0] &&
          o.queuedAtMs !== undefined &&
          o.queuedAtMs < r.queuedAtMs! &&
          o.finishedAtMs > r.queuedAtMs!,
      ),
  );
  const rows = idle.map((r) => [1, r.promptTokens, Math.max(0, r.promptTokens - 512)]);
  const ys = idle.map((r) => r.firstTokenAtMs - r.queuedAtMs!);
  // Normal equations with weights 1/y² (relative error), 3 unknowns, Gaussian elimination.
  const m = [0, 1, 2].map(() => [0, 0, 0, 0]);
  rows.forEach((x, i) => {
    const w = 1 / Math.max(1e-3, ys[i]!) ** 2;
    for (let j = 0; j < 3; j++) {
      m[j]![3]! += w * x[j]! * ys[i]!;
      for (let k = 0; k < 3; k++) m[j]![k]! += w * x[j]! * x[k]!;
    }
  });
  for (let i = 0; i < 3; i++) {
    let p = i;
    for (let r = i + 1; r < 3; r++) if (Math.abs(m[r]![i]!) > Math.abs(m[p]![i]!)) p = r;
    [m[i], m[p]] = [m[p]!, m[i]!];
    if (Math.abs(m[i]![i]!) < 1e-12) continue; // a term the data cannot tell (e.g. no p > 512)
    for (let r = 0; r < 3; r++) {
      if (r === i) continue;
      const f = m[r]![i]! / m[i]![i]!;
      for (let c = i; c < 4; c++) m[r]![c]! -= f * m[i]![c]!;
    }
  }
  const coef = m.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[3]! / row[i]!));
  const errors = rows.map(
    (x, i) =>
      Math.abs(x.reduce((s, v, j) => s + v * coef[j]!, 0) - ys[i]!) /
      Math.max(1e-3, idle[i]!.ttftMs),
  );
  return { n: idle.length, p50: quantile(errors, 0.5), p90: quantile(errors, 0.9) };
}
