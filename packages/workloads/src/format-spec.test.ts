import { describe, expect, it } from 'vitest';
import { parseCsv, parseTraceFormat, TraceFormatError } from './index.js';

describe('parseTraceFormat', () => {
  it('passes named formats through', () => {
    expect(parseTraceFormat('azure-csv')).toEqual({ format: 'azure-csv' });
    expect(parseTraceFormat('mooncake-jsonl')).toEqual({ format: 'mooncake-jsonl' });
  });

  it('reads generic columns with the arrival unit from the suffix or @unit', () => {
    expect(parseTraceFormat('csv:arrival_s,prompt_tokens,output_tokens')).toEqual({
      format: 'csv',
      mapping: {
        arrival: { column: 'arrival_s', unit: 's' },
        prompt: 'prompt_tokens',
        output: 'output_tokens',
      },
    });
    expect(parseTraceFormat('csv:arrival_ms,in,out').mapping?.arrival).toEqual({
      column: 'arrival_ms',
      unit: 'ms',
    });
    expect(parseTraceFormat('jsonl:t@iso,in,out,who')).toEqual({
      format: 'jsonl',
      mapping: {
        arrival: { column: 't', unit: 'iso' },
        prompt: 'in',
        output: 'out',
        tenant: 'who',
      },
    });
  });

  it('answers what was expected for bad texts', () => {
    const cases: Array<[string, RegExp]> = [
      ['parquet', /expected azure-csv, mooncake-jsonl, or csv:/],
      ['csv:arrival_s,in', /expected 3 or 4 non-empty column names/],
      ['csv:arrival_s,,out', /expected 3 or 4 non-empty column names/],
      ['csv:time,in,out', /cannot tell the unit of arrival column "time"/],
      ['csv:time@min,in,out', /unknown arrival unit "@min"/],
      ['csv:t_s,in,in', /a column is named twice/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseTraceFormat(text), text).toThrow(TraceFormatError);
      expect(() => parseTraceFormat(text), text).toThrow(message);
    }
  });

  it('a parsed spec reads exact arrivals (no spreading), in ms or s', () => {
    const spec = parseTraceFormat('csv:arrival_ms,prompt_tokens,output_tokens');
    const w = parseCsv('arrival_ms,prompt_tokens,output_tokens\n0,10,2\n0,20,3\n1250.5,30,4\n', {
      file: 'x.csv',
      mapping: spec.mapping!,
    });
    expect(w.requests.map((r) => r.arrivalMs)).toEqual([0, 0, 1250.5]);
  });
});
