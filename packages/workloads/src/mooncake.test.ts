import { describe, expect, it } from 'vitest';
import { parseMooncakeJsonl, TRACE_ERROR_CODES } from './index.js';
import { traceErrorOf as errorOf } from './testing.js';

const row = (timestamp: number, input = 600, output = 10) =>
  JSON.stringify({ timestamp, input_length: input, output_length: output, hash_ids: [1, 2] });

// Ten requests on each of five ticks 3000 ms apart (the last one 2997 ms later).
const ticks = [0, 3000, 6000, 9003, 12000];
const text = ticks.flatMap((t) => Array.from({ length: 10 }, () => row(t))).join('\n') + '\n';

describe('parseMooncakeJsonl', () => {
  it('spreads each tick over [tick, next tick), sorted, deterministically for a seed', () => {
    const a = parseMooncakeJsonl(text, { file: 'm.jsonl', seed: 7 });
    const b = parseMooncakeJsonl(text, { file: 'm.jsonl', seed: 7 });
    const c = parseMooncakeJsonl(text, { file: 'm.jsonl', seed: 8 });
    expect(a).toEqual(b);
    expect(c.requests.map((r) => r.arrivalMs)).not.toEqual(a.requests.map((r) => r.arrivalMs));
    const arrivals = a.requests.map((r) => r.arrivalMs);
    expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y));
    for (const r of a.requests) {
      const i = Math.floor(Number(r.id) / 10);
      const tick = ticks[i]!;
      // Width = gap to the next tick, capped at the median gap (3000 ms) for the last tick.
      const width = Math.min(3000, (ticks[i + 1] ?? Infinity) - tick);
      expect(r.arrivalMs).toBeGreaterThanOrEqual(tick);
      expect(r.arrivalMs).toBeLessThan(tick + width);
      expect(r.hashIds).toEqual([1, 2]);
    }
    // Within a tick the order is random, not file order.
    expect(a.requests.slice(0, 10).map((r) => r.id)).not.toEqual(
      Array.from({ length: 10 }, (_, i) => String(i)),
    );
    expect(a.notes.at(-1)).toMatch(/spread arrivals uniformly.*at most 3000 ms.*seed 7/);
  });

  it('keeps the raw ticks when spreading is off', () => {
    const w = parseMooncakeJsonl(text, { file: 'm.jsonl', seed: 1, spreadWithinTicks: false });
    expect(w.requests.map((r) => r.arrivalMs)).toEqual(
      ticks.flatMap((t) => Array.from({ length: 10 }, () => t)),
    );
  });

  it('raises an output length of 0 to 1 and notes it', () => {
    const w = parseMooncakeJsonl(row(0, 600, 0), { file: 'm.jsonl', seed: 1 });
    expect(w.requests[0]!.outputTokens).toBe(1);
    expect(w.notes.join('\n')).toContain('1 rows with 0 output tokens raised to 1');
  });

  it('reports a non-JSON line with file and line', () => {
    const e = errorOf(() =>
      parseMooncakeJsonl(`${row(0)}\n\n{"timestamp": 1,\n`, { file: 'm.jsonl', seed: 1 }),
    );
    expect(e).toMatchObject({ code: TRACE_ERROR_CODES.badJson, file: 'm.jsonl', line: 3 });
    expect(e.column).toBeUndefined();
    expect(e.message).toMatch(/^m\.jsonl:3: not valid JSON/);
    expect(errorOf(() => parseMooncakeJsonl('[1]', { file: 'm', seed: 1 })).message).toContain(
      'expected a JSON object, got an array',
    );
  });

  it('reports a missing field and a bad value with their field names', () => {
    const missing = errorOf(() =>
      parseMooncakeJsonl(`${row(0)}\n{"timestamp": 5, "input_length": 9}`, { file: 'm', seed: 1 }),
    );
    expect(missing).toMatchObject({
      code: TRACE_ERROR_CODES.missingField,
      line: 2,
      column: 'output_length',
    });
    const bad = errorOf(() =>
      parseMooncakeJsonl('{"timestamp": -3, "input_length": 9, "output_length": 1}', {
        file: 'm',
        seed: 1,
      }),
    );
    expect(bad.message).toBe('m:1: column timestamp: expected a non-negative number, got -3');
    const hashes = errorOf(() =>
      parseMooncakeJsonl(
        '{"timestamp": 0, "input_length": 9, "output_length": 1, "hash_ids": [1, "x"]}',
        { file: 'm', seed: 1 },
      ),
    );
    expect(hashes).toMatchObject({ line: 1, column: 'hash_ids' });
  });

  it('reports an empty file', () => {
    expect(errorOf(() => parseMooncakeJsonl('\n', { file: 'm', seed: 1 }))).toMatchObject({
      code: TRACE_ERROR_CODES.empty,
      file: 'm',
    });
  });
});
