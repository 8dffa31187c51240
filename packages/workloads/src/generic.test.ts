import { describe, expect, it } from 'vitest';
import { parseCsv, parseJsonl, TRACE_ERROR_CODES } from './index.js';
import type { ColumnMapping } from './index.js';
import { traceErrorOf } from './testing.js';

const mapping = (unit: ColumnMapping['arrival']['unit']): ColumnMapping => ({
  arrival: { column: 't', unit },
  prompt: 'in',
  output: 'out',
  tenant: 'who',
});

describe('parseCsv', () => {
  it('maps columns in any order, converts units and rebases to the first arrival', () => {
    const text = 'out,who,t,in\n5,a,10.5,100\n6,"b, inc",12,200\n';
    const w = parseCsv(text, { file: 'g.csv', mapping: mapping('s') });
    expect(w.requests).toEqual([
      { id: '0', arrivalMs: 0, promptTokens: 100, outputTokens: 5, source: 'g', tenant: 'a' },
      {
        id: '1',
        arrivalMs: 1500,
        promptTokens: 200,
        outputTokens: 6,
        source: 'g',
        tenant: 'b, inc',
      },
    ]);
    const us = parseCsv('t,in,out\n1000,1,1\n3500,1,1', {
      file: 'g.csv',
      mapping: { arrival: { column: 't', unit: 'us' }, prompt: 'in', output: 'out' },
    });
    expect(us.requests[1]!.arrivalMs).toBeCloseTo(2.5, 12);
  });

  it('reads ISO timestamps with zones and stable-sorts out-of-order rows with a note', () => {
    const text = [
      't,in,out,who',
      '2024-01-01T10:00:01Z,1,1,',
      '2024-01-01T11:00:00.5+01:00,2,1,',
      '2024-01-01 10:00:00.25,3,1,',
    ].join('\n');
    const w = parseCsv(text, { file: 'g.csv', mapping: mapping('iso') });
    expect(w.requests.map((r) => [r.id, r.arrivalMs])).toEqual([
      ['2', 0],
      ['1', 250],
      ['0', 750],
    ]);
    expect(w.requests[0]!.tenant).toBeUndefined();
    expect(w.notes.join('\n')).toContain('stable-sorted by arrival');
  });

  it('reports a mapped column missing from the header', () => {
    const e = traceErrorOf(() => parseCsv('t,in\n1,2', { file: 'g.csv', mapping: mapping('ms') }));
    expect(e).toMatchObject({
      code: TRACE_ERROR_CODES.badHeader,
      file: 'g.csv',
      line: 1,
      column: 'out',
    });
    expect(e.message).toBe('g.csv:1: column out: not in the header (columns: t, in)');
  });

  it('reports a short row and a bad arrival with line and column', () => {
    const m = mapping('ms');
    const short = traceErrorOf(() =>
      parseCsv('t,in,out,who\n1,2,3,x\n2,5', { file: 'g', mapping: m }),
    );
    expect(short).toMatchObject({ code: TRACE_ERROR_CODES.missingField, line: 3, column: 'out' });
    const bad = traceErrorOf(() => parseCsv('t,in,out,who\nsoon,2,3,', { file: 'g', mapping: m }));
    expect(bad.message).toBe('g:2: column t: expected a number, got "soon"');
  });

  it('rejects a bad mapping naming the field', () => {
    const bad = {
      ...mapping('ms'),
      arrival: { column: 't', unit: 'h' },
    } as unknown as ColumnMapping;
    const e = traceErrorOf(() => parseCsv('t,in,out\n1,2,3', { file: 'g', mapping: bad }));
    expect(e.code).toBe(TRACE_ERROR_CODES.badOptions);
    expect(e.message).toContain('"arrival.unit"');
  });
});

describe('parseJsonl', () => {
  it('reads keys by mapping, numbers or numeric strings', () => {
    const text = '{"t": 5, "in": "7", "out": 2, "who": 3}\n{"t": 9, "in": 8, "out": 0}';
    const w = parseJsonl(text, { file: 'g.jsonl', mapping: mapping('ms') });
    expect(w.requests.map((r) => [r.arrivalMs, r.promptTokens, r.outputTokens, r.tenant])).toEqual([
      [0, 7, 2, '3'],
      [4, 8, 1, undefined],
    ]);
  });

  it('reports a missing field with its line', () => {
    const e = traceErrorOf(() =>
      parseJsonl('{"t": 5, "in": 7, "out": 2}\n{"t": 6, "out": 2}', {
        file: 'g.jsonl',
        mapping: mapping('ms'),
      }),
    );
    expect(e).toMatchObject({
      code: TRACE_ERROR_CODES.missingField,
      file: 'g.jsonl',
      line: 2,
      column: 'in',
    });
  });
});
