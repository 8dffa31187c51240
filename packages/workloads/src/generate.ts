import { createRng, interArrivalMs, lognormal, lognormalFromMedianP90 } from '@adagen/stats';
import type { Rng } from '@adagen/stats';
import { z } from 'zod';
import type { TraceRequest, Workload } from './types.js';

/** How a token length is drawn. Lognormal draws are rounded and clamped to [min, max]. */
export type LengthSpec =
  | { kind: 'fixed'; tokens: number }
  | { kind: 'lognormal'; median: number; p90: number; min?: number; max?: number }
  | { kind: 'empirical'; values: number[] };

/** Arrival process: Poisson, or gamma-distributed gaps with the given coefficient of variation. */
export type ArrivalSpec = { kind: 'poisson' } | { kind: 'gamma'; cv: number };

export interface GenerateOptions {
  /** Workload name and request source. */
  name: string;
  seed: number;
  /** Mean arrival rate. */
  ratePerS: number;
  /** Number of requests; give this or `durationMs`. */
  count?: number;
  /** Generate arrivals in [0, durationMs); give this or `count`. */
  durationMs?: number;
  arrivals: ArrivalSpec;
  prompt: LengthSpec;
  output: LengthSpec;
}

const tokens = z.int().min(1);
const lengthSpecSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fixed'), tokens }),
    z.strictObject({
      kind: z.literal('lognormal'),
      median: z.number().positive(),
      p90: z.number().positive(),
      min: tokens.optional(),
      max: tokens.optional(),
    }),
    z.strictObject({ kind: z.literal('empirical'), values: z.array(tokens).min(1) }),
  ])
  .refine((s) => s.kind !== 'lognormal' || s.p90 >= s.median, 'p90 must be ≥ median')
  .refine(
    (s) => s.kind !== 'lognormal' || (s.min ?? 1) <= (s.max ?? Infinity),
    'min must be ≤ max',
  );

const generateSchema = z
  .strictObject({
    name: z.string().min(1),
    seed: z.number(),
    ratePerS: z.number().positive(),
    count: z.int().min(1).optional(),
    durationMs: z.number().positive().optional(),
    arrivals: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('poisson') }),
      z.strictObject({ kind: z.literal('gamma'), cv: z.number().positive() }),
    ]),
    prompt: lengthSpecSchema,
    output: lengthSpecSchema,
  })
  .refine((o) => (o.count === undefined) !== (o.durationMs === undefined), {
    message: 'give exactly one of count and durationMs',
    path: ['count'],
  });

/** Validates generator options; the RangeError names the bad field. */
export function checkGenerateOptions(options: GenerateOptions): GenerateOptions {
  const result = generateSchema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new RangeError(
    `generate: bad option "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`,
    { cause: result.error },
  );
}

/** A synthetic workload; identical for the same options (seed included). Starts at 0 ms. */
export function generate(options: GenerateOptions): Workload {
  const o = checkGenerateOptions(options);
  const rng = createRng(o.seed);
  const cv = o.arrivals.kind === 'poisson' ? 1 : o.arrivals.cv;
  const arrivals = renewalArrivalsMs(rng.fork('arrivals'), o.ratePerS, cv, o.count, o.durationMs);
  const promptRng = rng.fork('prompt');
  const outputRng = rng.fork('output');
  const requests = arrivals.map((arrivalMs, i): TraceRequest => ({
    id: String(i),
    arrivalMs,
    promptTokens: drawLength(promptRng, o.prompt),
    outputTokens: drawLength(outputRng, o.output),
    source: o.name,
  }));
  const process = cv === 1 ? 'Poisson' : `gamma (CV ${cv})`;
  return {
    name: o.name,
    requests,
    notes: [
      `generated ${requests.length} requests: ${process} arrivals at ${o.ratePerS} req/s, ` +
        `prompt ${describeLength(o.prompt)}, output ${describeLength(o.output)}, seed ${o.seed}`,
    ],
  };
}

/**
 * Arrival times of a renewal process starting with an arrival at 0: `count` of them, or all
 * before `durationMs`.
 */
export function renewalArrivalsMs(
  rng: Rng,
  ratePerS: number,
  cv: number,
  count?: number,
  durationMs?: number,
): number[] {
  const out: number[] = [];
  let t = 0;
  while (count !== undefined ? out.length < count : t < (durationMs ?? 0)) {
    out.push(t);
    t += interArrivalMs(rng, ratePerS, cv);
  }
  return out;
}

/** One draw of a length spec (an integer ≥ 1). */
export function drawLength(rng: Rng, spec: LengthSpec): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.tokens;
    case 'empirical':
      return spec.values[rng.int(spec.values.length)]!;
    case 'lognormal': {
      const { mu, sigma } = lognormalFromMedianP90(spec.median, spec.p90);
      const value = Math.round(lognormal(rng, mu, sigma));
      return Math.min(spec.max ?? Infinity, Math.max(spec.min ?? 1, value));
    }
  }
}

function describeLength(spec: LengthSpec): string {
  switch (spec.kind) {
    case 'fixed':
      return `fixed ${spec.tokens}`;
    case 'empirical':
      return `empirical (${spec.values.length} values)`;
    case 'lognormal':
      return (
        `lognormal (median ${spec.median}, p90 ${spec.p90}, ` +
        `clamped to [${spec.min ?? 1}, ${spec.max ?? '∞'}])`
      );
  }
}
