import { describe, expect, it } from 'vitest';
import { parseAzureCsv, TRACE_ERROR_CODES } from './index.js';
import { traceErrorOf as errorOf } from './testing.js';

const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\r\n');

describe('parseAzureCsv', () => {
  it('reads CRLF rows with no final newline, keeping sub-ms precision in UTC', () => {
    const w = parseAzureCsv(
      csv('2023-11-16 23:59:59.9999999,10,5', '2023-11-17 00:00:00.0000001,20,0'),
      { file: 'x.csv' },
    );
    expect(w.requests).toHaveLength(2);
    expect(w.requests[1]!.arrivalMs).toBeCloseTo(0.0002, 9);
    expect(w.requests[1]).toMatchObject({
      id: '1',
      promptTokens: 20,
      outputTokens: 1,
      source: 'x',
    });
    expect(w.notes.join('\n')).toContain('1 rows with 0 output tokens raised to 1');
  });

  it('stable-sorts rows out of time order and says so', () => {
    const w = parseAzureCsv(
      csv('2023-11-16 18:00:02.0,1,1', '2023-11-16 18:00:01.0,2,1', '2023-11-16 18:00:01.0,3,1'),
      { file: 'x.csv' },
    );
    expect(w.requests.map((r) => r.id)).toEqual(['1', '2', '0']);
    expect(w.requests.map((r) => r.arrivalMs)).toEqual([0, 0, 1000]);
    expect(w.notes.join('\n')).toContain('1 rows arrived earlier than the row before');
  });

  it('reports a bad number with file, line and column', () => {
    const e = errorOf(() =>
      parseAzureCsv(csv('2023-11-16 18:00:00.0,5,1', '2023-11-16 18:00:01.0,abc,1'), {
        file: 'conv.csv',
      }),
    );
    expect(e).toMatchObject({ code: TRACE_ERROR_CODES.badValue, file: 'conv.csv', line: 3 });
    expect(e.column).toBe('ContextTokens');
    expect(e.message).toBe(
      'conv.csv:3: column ContextTokens: expected a positive integer, got "abc"',
    );
  });

  it('rejects zero prompts, negative outputs and bad timestamps', () => {
    expect(
      errorOf(() => parseAzureCsv(csv('2023-11-16 18:00:00.0,0,1'), { file: 'f' })),
    ).toMatchObject({ line: 2, column: 'ContextTokens' });
    expect(
      errorOf(() => parseAzureCsv(csv('2023-11-16 18:00:00.0,3,-1'), { file: 'f' })),
    ).toMatchObject({ line: 2, column: 'GeneratedTokens' });
    const e = errorOf(() => parseAzureCsv(csv('2023-02-30 18:00:00.0,3,1'), { file: 'f' }));
    expect(e).toMatchObject({ line: 2, column: 'TIMESTAMP', code: TRACE_ERROR_CODES.badValue });
    expect(e.message).toContain('expected a timestamp like 2023-11-16 18:17:03.9799600');
  });

  it('reports a missing column', () => {
    const e = errorOf(() =>
      parseAzureCsv(csv('2023-11-16 18:00:00.0,5,1', '', '2023-11-16 18:00:01.0,7'), {
        file: 'f.csv',
      }),
    );
    expect(e).toMatchObject({
      code: TRACE_ERROR_CODES.missingField,
      file: 'f.csv',
      line: 4,
      column: 'GeneratedTokens',
    });
  });

  it('reports a wrong header at line 1 naming the column', () => {
    const e = errorOf(() =>
      parseAzureCsv('TIMESTAMP,Context,GeneratedTokens\n2023-11-16 18:00:00.0,5,1', {
        file: 'h.csv',
      }),
    );
    expect(e).toMatchObject({ code: TRACE_ERROR_CODES.badHeader, file: 'h.csv', line: 1 });
    expect(e.column).toBe('ContextTokens');
    expect(e.message).toContain('column 2 is "Context"');
  });

  it('reports an empty file and a header with no rows', () => {
    const empty = errorOf(() => parseAzureCsv('', { file: 'e.csv' }));
    expect(empty).toMatchObject({ code: TRACE_ERROR_CODES.empty, file: 'e.csv', line: undefined });
    expect(empty.column).toBeUndefined();
    expect(errorOf(() => parseAzureCsv(`${HEADER}\r\n`, { file: 'e.csv' }))).toMatchObject({
      code: TRACE_ERROR_CODES.empty,
    });
  });
});
