import { z } from 'zod';
import { FieldError, firstIssue } from '@adagen/stats';

/** Options of an {@link OnlineCalibrator}. All optional. */
export const CalibratorOptionsSchema = z
  .object({
    /**
     * Most recent observations the fit uses (a sliding window): a few seconds of a busy engine.
     * @default 2048
     */
    windowSize: z.number().int().min(1).default(2048),
    /**
     * Weight of the prior — the start profile times the fitted overall factor — in observations
     * per coefficient, relative to that rescaled prior. It keeps coefficients the window says
     * little or nothing about (e.g. prefill terms while only decode batches run) where the
     * rescaled start profile puts them. Small: the terms are scaled to GPU-sized reference
     * batches, so on a CPU engine (llama.cpp here) whose batches are tiny in those units a
     * larger prior outweighs hundreds of iterations (0.3, the former default, left a 20 %
     * median error on the CPU-engine test; 0.001 learns it and still recovers the GPU shapes
     * within 500 iterations).
     * @default 0.001
     */
    priorWeight: z.number().positive().default(0.001),
    /** The overall factor between engine and start profile stays in [1/maxScale, maxScale]. @default 1000 */
    maxScale: z.number().gt(1).default(1000),
    /**
     * Bound on each term's change from the rescaled start profile, as a share of its reference
     * batch's time (e.g. 4: the decode-context term may add or remove at most 4× the time of
     * 128 decodes at 1,024 context). Coefficients also stay ≥ 0 (segment slopes, b0, c2, c4).
     * @default 4
     */
    maxDeviation: z.number().positive().default(64),
    /**
     * Huber threshold k, in standard deviations of the relative prediction errors (a running
     * σ from their median absolute value, at least 1 %): an observation predicted worse than k·σ
     * (with the recent-speed factor) weighs k·σ/|error| (an iteration stalled by another process
     * counts for less). 0 = plain least squares.
     * @default 1.345 (95 % efficiency under Gaussian noise)
     */
    huber: z.number().min(0).default(1.345),
    /**
     * Smoothing weight of the recent-speed factor: each observation moves the smoothed
     * log(measured / fitted) this share of the way (0.15 ≈ the last dozen iterations). The
     * profile is the window's fit times that factor once it exceeds what noise explains, so an
     * engine slowed for a while (another process on its machine) is predicted at its current
     * speed. Needs observations in time order, and a profile that reaches the estimators as
     * often as the speed changes (agents send theirs every few seconds: off there).
     * 0 = off (the window's fit alone).
     * @default 0
     */
    levelSmoothing: z.number().min(0).max(1).default(0),
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
