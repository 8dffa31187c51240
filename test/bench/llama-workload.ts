/** The workload and helpers shared by the llama benchmarks (bench:llama, bench:llama-iterations). */

/** `--name value` from the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

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
