import { FieldError, firstIssue } from '@adagen/stats';
import { z } from 'zod';

/** Relative-error summary of a latency fit: |predicted − measured| / measured. */
export const FitErrorSchema = z.object({
  median: z.number().nonnegative(),
  p95: z.number().nonnegative(),
  max: z.number().nonnegative(),
  count: z.number().int().nonnegative().optional(),
});
export type FitError = z.infer<typeof FitErrorSchema>;

/** Fit errors overall and by batch type. */
export const FitErrorReportSchema = z.object({
  all: FitErrorSchema,
  decodeOnly: FitErrorSchema.optional(),
  prefillOnly: FitErrorSchema.optional(),
  mixed: FitErrorSchema.optional(),
});
export type FitErrorReport = z.infer<typeof FitErrorReportSchema>;

/**
 * Coefficients of the piecewise form
 * `t = b0 + m0·N + b1·max(N−k1,0) + b2·max(N−k2,0) + b3·max(N−k3,0) + c2·X2 + c4·C` (ms).
 * `m0` (absent = 0) is a per-token slope from the first token: GPU profiles are flat below their
 * first knot (a small batch is memory-bound), a CPU engine is not.
 */
export const PiecewiseCoefficientsSchema = z.object({
  knots: z
    .tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()])
    .refine(([a, b, c]) => a < b && b < c, 'knots must be strictly increasing'),
  b0: z.number(),
  b1: z.number(),
  b2: z.number(),
  b3: z.number(),
  /** Per-token slope from N = 0 (ms/token); absent means 0. */
  m0: z.number().optional(),
  c2: z.number(),
  c4: z.number(),
});
export type PiecewiseCoefficients = z.infer<typeof PiecewiseCoefficientsSchema>;

/** Optional per-iteration CPU overhead (scheduling, sampling, input preparation). Off by default. */
export const CpuOverheadSchema = z.object({
  fixedMs: z.number().nonnegative().default(0),
  perSeqMs: z.number().nonnegative().default(0),
});

const positiveInt = z.number().int().positive();

/** A latency profile: one model on one GPU type at one tensor-parallel degree. JSON data. */
export const LatencyProfileSchema = z.object({
  schema: z.literal('adagen-profile/v1'),
  /** `<model>_<gpu>_tp<n>`, e.g. `llama-3-8b_a100-80gb_tp1`. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'name may hold A-Z a-z 0-9 . _ - only'),
  model: z.object({
    name: z.string().min(1),
    numLayers: positiveInt,
    numKvHeads: positiveInt,
    headDim: positiveInt,
    dtypeBytes: z.number().positive(),
    /** Weights of the whole model in bytes (split evenly across TP ranks). */
    weightsBytes: z.number().positive(),
    /** Longest sequence the model serves (vLLM's max_model_len default). */
    maxModelLen: positiveInt,
  }),
  gpu: z.object({ name: z.string().min(1), memoryBytes: z.number().positive() }),
  tensorParallel: positiveInt,
  /** True when the coefficients were derived (scaled) rather than fitted to measurements. */
  derived: z.boolean(),
  provenance: z.object({ source: z.string().min(1), method: z.string().min(1), notes: z.string() }),
  latency: PiecewiseCoefficientsSchema,
  cpuOverhead: CpuOverheadSchema.default({ fixedMs: 0, perSeqMs: 0 }),
  fitError: FitErrorReportSchema.optional(),
});
/** A validated profile (defaults filled). */
export type LatencyProfile = z.infer<typeof LatencyProfileSchema>;
/** Profile JSON as written by hand (defaults optional). */
export type LatencyProfileInput = z.input<typeof LatencyProfileSchema>;

/** A profile failed validation; `field` is the dotted path of the first bad field. */
export class ProfileError extends FieldError {
  override readonly name = 'ProfileError';
  readonly code = 'invalid-profile' as const;
}

/**
 * Validates profile JSON (an object or a JSON string) and fills defaults.
 * @throws ProfileError naming the first bad field.
 */
export function loadProfile(json: unknown): LatencyProfile {
  let data = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json) as unknown;
    } catch (cause) {
      throw new ProfileError('(root)', 'profile is not valid JSON', { cause });
    }
  }
  const parsed = LatencyProfileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const { field, why } = firstIssue(parsed.error.issues);
  const name =
    typeof data === 'object' && data !== null && 'name' in data ? String(data.name) : '?';
  throw new ProfileError(field, `invalid latency profile "${name}": field ${field}: ${why}`, {
    cause: parsed.error,
  });
}
