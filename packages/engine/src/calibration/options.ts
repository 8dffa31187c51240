import { z } from 'zod';
import { FieldError, firstIssue } from '@adagen/stats';

/** Options of an {@link OnlineCalibrator}. All optional. */
export const CalibratorOptionsSchema = z
  .object({
    /** Most recent observations the fit uses (a sliding window). @default 512 */
    windowSize: z.number().int().min(1).default(512),
    /**
     * Weight of the prior — the start profile times the fitted overall factor — in observations
     * per coefficient, relative to that rescaled prior. It keeps coefficients the window says
     * little or nothing about (e.g. prefill terms while only decode batches run) where the
     * rescaled start profile puts them. 0.3 balanced early speed against noise in
     * `bench:calibration` (1 was slower to learn a new shape, 0.1 noisier at σ = 0.15).
     * @default 0.3
     */
    priorWeight: z.number().positive().default(0.3),
    /** The overall factor between engine and start profile stays in [1/maxScale, maxScale]. @default 1000 */
    maxScale: z.number().gt(1).default(1000),
    /**
     * Bound on each term's change from the rescaled start profile, as a share of its reference
     * batch's time (e.g. 4: the decode-context term may add or remove at most 4× the time of
     * 128 decodes at 1,024 context). Coefficients also stay ≥ 0 (segment slopes, b0, c2, c4).
     * @default 4
     */
    maxDeviation: z.number().positive().default(4),
    /**
     * Name of the calibrated profile. Consumers that look profiles up by name must not confuse it
     * with the start profile. @default `<start name>.calibrated`
     */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'name may hold A-Z a-z 0-9 . _ - only')
      .optional(),
  })
  .strict();
export type CalibratorOptionsInput = z.input<typeof CalibratorOptionsSchema>;
export type CalibratorOptions = z.output<typeof CalibratorOptionsSchema>;

/** Bad calibrator input (an option or an observation); `field` names it. */
export class CalibrationError extends FieldError {
  override readonly name = 'CalibrationError';
  readonly code = 'invalid-calibration-input' as const;
}

/** Validates options and fills defaults. @throws CalibrationError naming the bad option. */
export function resolveCalibratorOptions(input: CalibratorOptionsInput = {}): CalibratorOptions {
  const parsed = CalibratorOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { field, why } = firstIssue(parsed.error.issues);
  throw new CalibrationError(field, `invalid calibrator option ${field}: ${why}`, {
    cause: parsed.error,
  });
}
