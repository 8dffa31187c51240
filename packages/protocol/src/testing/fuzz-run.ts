/**
 * Shared pieces of the property-based codec tests: run settings (seeded, so every run is
 * reproducible; `ADAGEN_FUZZ_SEED` / `ADAGEN_FUZZ_RUNS` override), the check applied to every
 * decode result, and a tally of outcomes that `ADAGEN_FUZZ_SUMMARY=<file>` writes out.
 */
import { writeFileSync } from 'node:fs';
import type { Codec } from '../codec.js';
import { ProtocolError } from '../issues.js';
import { LIMITS } from '../limits.js';
import type { Result } from '../result.js';
import { invariantViolations } from './hostile.js';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isInteger(value) ? value : fallback;
};

/** fast-check parameters for one property; `maxRuns` caps an override for costly inputs. */
export function runParams(
  numRuns: number,
  maxRuns = Number.POSITIVE_INFINITY,
): { seed: number; numRuns: number } {
  return {
    seed: envInt('ADAGEN_FUZZ_SEED', 20_260_101),
    numRuns: Math.min(envInt('ADAGEN_FUZZ_RUNS', numRuns), maxRuns),
  };
}

/** Outcomes seen, by input class: accepted, and rejected per error code. */
export class Tally {
  private readonly counts = new Map<string, Record<string, number>>();

  add(inputClass: string, outcome: string): void {
    const row = this.counts.get(inputClass) ?? {};
    row[outcome] = (row[outcome] ?? 0) + 1;
    this.counts.set(inputClass, row);
  }

  toJSON(): Record<string, Record<string, number>> {
    return Object.fromEntries(this.counts);
  }

  /** Writes the tally as JSON when `ADAGEN_FUZZ_SUMMARY` names a file. */
  writeIfAsked(label: string): void {
    const file = process.env.ADAGEN_FUZZ_SUMMARY;
    if (file !== undefined && file !== '')
      writeFileSync(`${file}.${label}.json`, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
  }
}

/**
 * What every decode must satisfy: it returned (the caller got here without a throw); a rejection
 * is a ProtocolError with a known code, names at least one field (or `(payload)`), and has a
 * bounded message; an accepted value re-validates, keeps the invariants and round-trips.
 * Returns the problems found (empty when the result is fine).
 */
export function resultProblems(codec: Codec<unknown>, result: Result<unknown, unknown>): string[] {
  if (!result.ok) {
    const error = result.error;
    if (!(error instanceof ProtocolError))
      return [`rejected with a non-ProtocolError: ${String(error)}`];
    const problems: string[] = [];
    if (error.code !== 'invalid_message' && error.code !== 'payload_too_large')
      problems.push(`unexpected code ${error.code}`);
    if (error.issues.length === 0) problems.push('no issue named');
    if (error.issues.some((i) => i.path === '' || i.message === ''))
      problems.push('an issue without a path or message');
    const first = error.issues[0];
    if (first !== undefined && !error.message.startsWith(`${first.path}: `))
      problems.push(`message does not start with the first path: ${error.message.slice(0, 100)}`);
    if (error.message.length > LIMITS.messageChars)
      problems.push(`message of ${error.message.length} characters`);
    return problems;
  }
  const value = result.value;
  const problems = invariantViolations(value);
  if (!codec.schema.safeParse(value).success) problems.push('accepted value fails its own schema');
  try {
    const again = codec.decode(codec.encode(value));
    if (!again.ok) problems.push(`re-encoded value rejected: ${again.error.message}`);
  } catch (error) {
    problems.push(`accepted value cannot be re-encoded: ${String(error)}`);
  }
  return problems;
}

/** The outcome label for a tally: `accepted` or the error code. */
export function outcomeOf(result: Result<unknown, { code?: string }>): string {
  return result.ok ? 'accepted' : (result.error.code ?? 'unknown');
}
