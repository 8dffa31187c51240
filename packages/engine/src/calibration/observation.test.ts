import { describe, expect, it } from 'vitest';
import { SimInstance } from '../instance/sim-instance.js';
import type { IterationReport } from '../types.js';
import { OnlineCalibrator } from './calibrator.js';
import {
  fromTokenGap,
  iterationRecord,
  observationOf,
  parseObservationsJsonl,
} from './observation.js';
import { CalibrationError } from './options.js';
import { A100 } from './scenario.testutil.js';

const it1 = {
  type: 'iteration',
  prefillTokens: 512,
  prefillAttnWork: 512 * 768,
  decodeRequests: 3,
  decodeContextTokens: 3000,
  numSeqs: 4,
  durationMs: 41.5,
};
const gap = {
  type: 'token-gap',
  prefillTokens: 0,
  prefillAttnWork: 0,
  decodeRequests: 10,
  decodeContextTokens: 9000,
  numSeqs: 10,
  gapMs: 30,
  iterations: 2,
  weight: 0.5,
};

function errorOf(text: string): CalibrationError {
  try {
    parseObservationsJsonl(text);
  } catch (e) {
    if (e instanceof CalibrationError) return e;
    throw e;
  }
  throw new Error('expected a CalibrationError');
}

describe('observations files (JSONL)', () => {
  it('parses iterations and token gaps, skipping blank lines', () => {
    const records = parseObservationsJsonl(`${JSON.stringify(it1)}\n\n${JSON.stringify(gap)}\n`);
    expect(records).toHaveLength(2);
    expect(observationOf(records[0]!).durationMs).toBe(41.5);
    const g = observationOf(records[1]!);
    expect(g).toMatchObject({ durationMs: 15, decodeRequests: 10, weight: 0.5 });
  });

  it('names the line and the field of a bad record', () => {
    const good = JSON.stringify(it1);
    let e = errorOf(`${good}\n${good}\n${JSON.stringify({ ...it1, durationMs: -3 })}`);
    expect(e.field).toBe('line 3');
    expect(e.message).toMatch(/^line 3: field durationMs/);
    e = errorOf(`${good}\n{not json`);
    expect(e.message).toMatch(/^line 2: not valid JSON/);
    e = errorOf(JSON.stringify({ ...it1, type: 'tick' }));
    expect(e.message).toMatch(/^line 1: field type/);
    e = errorOf(JSON.stringify({ ...it1, prefillTokenz: 3 }));
    expect(e.message).toMatch(/^line 1: field prefillTokenz/);
    e = errorOf(`${good}\n${JSON.stringify({ ...gap, iterations: 0 })}`);
    expect(e.message).toMatch(/^line 2: field iterations/);
    e = errorOf(JSON.stringify({ ...gap, gapMs: undefined }));
    expect(e.message).toMatch(/^line 1: field gapMs/);
  });

  it('round-trips iteration reports: recorded, parsed and fitted, same profile as fed live', () => {
    const reports: IterationReport[] = [];
    const inst = new SimInstance({
      id: 'e0',
      profile: A100,
      observer: { onIteration: (r) => void reports.push(r) },
    });
    for (let i = 0; i < 8; i++) {
      inst.enqueue(
        { kind: 'full', id: `r${i}`, promptTokens: 300 + 200 * i, outputTokens: 20 },
        i * 5,
      );
    }
    inst.runToCompletion();
    const text = reports.map((r) => JSON.stringify(iterationRecord(r))).join('\n');
    const live = new OnlineCalibrator(A100);
    const offline = new OnlineCalibrator(A100);
    for (const r of reports) live.observe(r);
    for (const rec of parseObservationsJsonl(text)) offline.observe(observationOf(rec));
    expect(offline.profile()).toEqual(live.profile());
    expect(fromTokenGap({ ...reports[3]!, gapMs: 12 }).durationMs).toBe(12);
  });
});
