import { z } from 'zod';
import { firstIssue } from '@adagen/stats';
import type { BatchFeatures, IterationReport } from '../types.js';
import { CalibrationError } from './options.js';

/** One engine iteration as an agent saw it: its batch and measured duration. An `IterationReport` is one. */
export interface IterationObservation extends BatchFeatures {
  /** Measured duration of the iteration (ms, > 0). */
  durationMs: number;
  /** Weight in the fit. @default 1 */
  weight?: number;
}

/**
 * One inter-token gap of a streamed request, for engines seen only over HTTP. The engine emits
 * one token per running request per iteration, so the gap between tokens i−1 and i of a
 * request (i ≥ 1; the first token's wait is queueing + prefill, not an iteration) is the
 * duration of the iteration(s) that produced token i. The batch is not seen: give the
 * composition of the iteration in which the agent's shadow instance produced the same token
 * of the same request (the shadow tracks every request the agent sent there). When a chunk
 * delivers several tokens at once the gap spans that many iterations.
 */
export interface TokenGapObservation extends BatchFeatures {
  /** Time between the previous token and this one (ms, > 0). */
  gapMs: number;
  /** Engine iterations the gap spans (tokens delivered at its end). @default 1 */
  iterations?: number;
  /** Weight in the fit (lower it for gaps blurred by network jitter). @default 1 */
  weight?: number;
}

/** A token gap as an iteration: duration = gap / iterations spanned. */
export function fromTokenGap(gap: TokenGapObservation): IterationObservation {
  const iterations = gap.iterations ?? 1;
  if (!(Number.isInteger(iterations) && iterations >= 1)) {
    throw new CalibrationError(
      'iterations',
      `iterations must be an integer ≥ 1, got ${iterations}`,
    );
  }
  const obs: IterationObservation = {
    prefillTokens: gap.prefillTokens,
    prefillAttnWork: gap.prefillAttnWork,
    decodeRequests: gap.decodeRequests,
    decodeContextTokens: gap.decodeContextTokens,
    numSeqs: gap.numSeqs,
    durationMs: gap.gapMs / iterations,
  };
  if (gap.weight !== undefined) obs.weight = gap.weight;
  return obs;
}

const FEATURES = [
  'prefillTokens',
  'prefillAttnWork',
  'decodeRequests',
  'decodeContextTokens',
  'numSeqs',
] as const;

/**
 * Cheap check of an in-process observation (the per-iteration path): finite non-negative
 * features, positive duration, positive weight. @throws CalibrationError naming the field.
 */
export function checkObservation(o: IterationObservation): void {
  for (const k of FEATURES) {
    const v = o[k];
    if (!(v >= 0 && Number.isFinite(v))) {
      throw new CalibrationError(k, `observation ${k} must be a finite number ≥ 0, got ${v}`);
    }
  }
  if (!(o.durationMs > 0 && Number.isFinite(o.durationMs))) {
    throw new CalibrationError(
      'durationMs',
      `observation durationMs must be > 0, got ${o.durationMs}`,
    );
  }
  if (o.weight !== undefined && !(o.weight > 0 && Number.isFinite(o.weight))) {
    throw new CalibrationError('weight', `observation weight must be > 0, got ${o.weight}`);
  }
}

const count = z.number().int().nonnegative();
const batch = {
  prefillTokens: count,
  prefillAttnWork: z.number().nonnegative(),
  decodeRequests: count,
  decodeContextTokens: count,
  numSeqs: count,
  weight: z.number().positive().optional(),
  /** Informational, not used by the fit: the instance and the virtual or wall time observed. */
  instanceId: z.string().optional(),
  atMs: z.number().optional(),
};

/** One line of an observations file (JSONL): an iteration or a token gap, tagged by `type`. */
export const ObservationRecordSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('iteration'), durationMs: z.number().positive(), ...batch }).strict(),
  z
    .object({
      type: z.literal('token-gap'),
      gapMs: z.number().positive(),
      iterations: z.number().int().min(1).optional(),
      ...batch,
    })
    .strict(),
]);
export type ObservationRecord = z.infer<typeof ObservationRecordSchema>;

/** The record of an iteration report, as an agent writes it to an observations file. */
export function iterationRecord(r: IterationReport, atMs = r.startMs): ObservationRecord {
  return {
    type: 'iteration',
    prefillTokens: r.prefillTokens,
    prefillAttnWork: r.prefillAttnWork,
    decodeRequests: r.decodeRequests,
    decodeContextTokens: r.decodeContextTokens,
    numSeqs: r.numSeqs,
    durationMs: r.durationMs,
    instanceId: r.instanceId,
    atMs,
  };
}

/** A record as the observation the calibrator takes. */
export function observationOf(record: ObservationRecord): IterationObservation {
  return record.type === 'iteration' ? record : fromTokenGap(record);
}

/**
 * Parses an observations file (one JSON record per line; blank lines skipped).
 * @throws CalibrationError whose field is `line <n>` (1-based) and whose message names the
 * line and the bad field.
 */
export function parseObservationsJsonl(text: string): ObservationRecord[] {
  const out: ObservationRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `line ${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line) as unknown;
    } catch (cause) {
      throw new CalibrationError(where, `${where}: not valid JSON`, { cause });
    }
    const parsed = ObservationRecordSchema.safeParse(json);
    if (!parsed.success) {
      const { field, why } = firstIssue(parsed.error.issues);
      throw new CalibrationError(where, `${where}: field ${field}: ${why}`, {
        cause: parsed.error,
      });
    }
    out.push(parsed.data);
  });
  return out;
}
