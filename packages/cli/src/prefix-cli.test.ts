import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { main } from './main.js';

async function run(
  argv: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  let t = 0;
  const io: CliIo = {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    stderrIsTTY: false,
    cwd,
    env: { ADAGEN_SHARED_DIR: '/nonexistent-adagen-shared' },
    traceFallbackDirs: [],
    now: () => (t += 0.001),
  };
  return { code: await main(argv, io), out, err };
}

/** A small Mooncake-format trace: 5 conversations, each turn extending the last by 1 block. */
async function mooncakeFile(dir: string): Promise<string> {
  const lines: string[] = [];
  const ids = Array.from({ length: 5 }, () => [] as number[]);
  let next = 0;
  for (let i = 0; i < 60; i++) {
    const c = ids[i % 5]!;
    c.push(next++);
    const input = c.length * 512 - 10;
    lines.push(
      JSON.stringify({ timestamp: i * 500, input_length: input, output_length: 8, hash_ids: c }),
    );
  }
  const path = join(dir, 'conv.jsonl');
  await writeFile(path, `${lines.join('\n')}\n`, 'utf8');
  return path;
}

describe('prefix caching from the command line', () => {
  it('simulate --prefix-caching prints the hit rate; without it, none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-prefix-'));
    const trace = await mooncakeFile(dir);
    const base = ['simulate', '--trace', trace, '--instances', '2', '--policy', 'dynamo-kv'];
    const on = await run([...base, '--prefix-caching'], dir);
    expect(on.err).not.toMatch(/error/i);
    expect(on.code).toBe(0);
    const m = /prefix cache: hit rate ([\d.]+)% of prompt tokens/.exec(on.out);
    expect(Number(m?.[1])).toBeGreaterThan(50);
    const off = await run(base, dir);
    expect(off.code).toBe(0);
    expect(off.out).not.toMatch(/prefix cache/);
  });

  it('sweep --prefix-caching carries the hit rate in its tables and draws CDFs and hit bars', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-prefix-'));
    const trace = await mooncakeFile(dir);
    const r = await run(
      [
        'sweep',
        '--traces',
        trace,
        '--policies',
        'round-robin,sglang-cache',
        '--rates',
        '2',
        '--instances',
        '2',
        '--prefix-caching',
        '--jobs',
        '1',
        '--out',
        'out',
      ],
      dir,
    );
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/prefix hit/);
    const summary = await readFile(join(dir, 'out', 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| sglang-cache .*\d+\.\d%\s*\|\s*$/m);
    // The trace is named by its path, made file-safe.
    const safe = trace.replace(/[^A-Za-z0-9_.-]+/g, '_');
    for (const f of [`ttft-cdf-${safe}-2.svg`, `prefix-hit-${safe}.png`]) {
      expect((await stat(join(dir, 'out', f))).size).toBeGreaterThan(0);
    }
  });
});
