import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferFormat, loadTrace, resolveTrace, TRACE_ERROR_CODES } from './index.js';
import { traceErrorOfAsync } from './testing.js';

describe('loadTrace / resolveTrace', () => {
  it('reports a missing file with its path', async () => {
    const path = join(tmpdir(), 'adagen-no-such-trace.csv');
    const e = await traceErrorOfAsync(() => loadTrace(path));
    expect(e).toMatchObject({ code: TRACE_ERROR_CODES.notFound, file: path });
    expect(e.message).toBe(`${path}: file not found`);
  });

  it('infers formats and loads a built-in file name under its short name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-traces-'));
    await mkdir(join(dir, 'traces'));
    const file = join(dir, 'traces', 'mooncake_conversation_trace.jsonl');
    await writeFile(file, '{"timestamp": 0, "input_length": 5, "output_length": 3}\n');
    expect(await resolveTrace('mooncake-conv', { searchDirs: [dir] })).toBe(file);
    const w = await loadTrace(file);
    expect(w.name).toBe('mooncake-conv');
    expect(w.requests[0]!.source).toBe('mooncake-conv');
    expect(inferFormat('a.csv', false)).toBe('azure-csv');
    expect(inferFormat('a.jsonl', true)).toBe('jsonl');
    expect(inferFormat('a.txt', true)).toBe('csv');
    const e = await traceErrorOfAsync(() => loadTrace(join(dir, 'x.parquet')));
    expect(e.code).toBe(TRACE_ERROR_CODES.badOptions);
  });

  it('lists every path tried when a trace cannot be found', async () => {
    const e = await traceErrorOfAsync(() =>
      resolveTrace('azure-conv', { searchDirs: ['/a', '/b'] }),
    );
    expect(e.code).toBe(TRACE_ERROR_CODES.notFound);
    const file = 'azure2023_AzureLLMInferenceTrace_conv.csv';
    for (const p of [`/a/${file}`, `/a/traces/${file}`, `/b/${file}`, `/b/traces/${file}`]) {
      expect(e.message).toContain(p);
    }
    const other = await traceErrorOfAsync(() => resolveTrace('nope.csv', { searchDirs: ['/a'] }));
    expect(other.message).toContain('built-in names: azure-code, azure-conv, mooncake-conv');
  });
});
