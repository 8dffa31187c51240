import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { main } from './main.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd?: string): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  let t = 0;
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    stderrIsTTY: false,
    cwd: cwd ?? (await mkdtemp(join(tmpdir(), 'adagen-cli-'))),
    env: { ADAGEN_SHARED_DIR: '/nonexistent-adagen-shared' },
    traceFallbackDirs: [],
    now: () => (t += 0.001),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const small = ['--trace', 'synthetic:azure-conv', '--requests', '150', '--instances', '2'];

describe('adagen simulate', () => {
  it('with --sharded --spill says how many requests shards handed over or held back, in the table and the JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-sim-'));
    const r = await run(
      [
        'simulate',
        '--trace',
        'synthetic:azure-conv',
        '--requests',
        '300',
        '--instances',
        '4',
        '--rate',
        '40',
        '--balancers',
        '2',
        '--sharded',
        '--spill',
        '--out',
        'o',
      ],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const said =
      /2 balancer shards, each on its share of the instances, (\d+) hopeless requests handed to another shard, (\d+) held back/.exec(
        r.stdout,
      );
    expect(said, r.stdout).not.toBeNull();
    const json = JSON.parse(await readFile(join(dir, 'o', 'result.json'), 'utf8')) as {
      runs: Array<{ spill?: { taken: number; held: number } }>;
    };
    expect(json.runs[0]!.spill).toEqual({ taken: Number(said![1]), held: Number(said![2]) });
  });

  it('prints the table and writes the adagen-result/v1 JSON and CDF plots', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-sim-'));
    const r = await run(
      [
        'simulate',
        ...small,
        '--rate',
        '4',
        '--policy',
        'least-requests',
        '--out',
        'out',
        '--per-request',
      ],
      dir,
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/policy least-requests/);
    expect(r.stdout).toMatch(/TTFT\s+[\d.]+/);
    expect(r.stdout).toMatch(/SLO attainment over offered requests [\d.]+%/);
    expect(r.stdout).toMatch(
      /requests offered 150: accepted 150, shed 0 \(admission none\), abandoned \d+/,
    );
    const json = JSON.parse(await readFile(join(dir, 'out', 'result.json'), 'utf8')) as {
      schema: string;
      command: string;
      runs: Array<Record<string, unknown> & { metrics: Record<string, unknown> }>;
    };
    expect(json.schema).toBe('adagen-result/v1');
    expect(json.command).toBe('simulate');
    expect(json.runs).toHaveLength(1);
    const run0 = json.runs[0]!;
    expect(run0).toMatchObject({
      trace: 'synthetic:azure-conv',
      policy: 'least-requests',
      ratePerS: 4,
      instances: 2,
    });
    expect(Object.keys(run0.metrics)).toEqual([
      'requests',
      'ttftMs',
      'tpotMs',
      'tbtMs',
      'e2eMs',
      'queueingMs',
      'slo',
      'throughput',
      'plans',
      'simulatedSpanMs',
    ]);
    expect(run0).not.toHaveProperty('decisionTimeUs');
    const lines = (await readFile(join(dir, 'out', 'requests.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(150);
    expect(JSON.parse(lines[0]!)).toMatchObject({ plan: 'single', rejected: false });
    for (const f of ['ttft-cdf.svg', 'ttft-cdf.png', 'tbt-cdf.svg', 'tbt-cdf.png']) {
      expect((await stat(join(dir, 'out', f))).size).toBeGreaterThan(100);
    }
  }, 30_000);

  it('applies admission and deadlines to any policy and reports shed and abandoned', async () => {
    const args = ['simulate', ...small, '--rate', '60', '--policy', 'round-robin', '--json'];
    const r = await run([...args, '--admission', 'saturation', '--deadline', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = (
      JSON.parse(r.stdout) as {
        runs: Array<{
          metrics: {
            requests: { total: number; shed: number; accepted: number };
            ttftMs: { max: number };
            slo: { attainment: number; met: number };
          };
        }>;
      }
    ).runs[0]!.metrics;
    expect(m.requests.total).toBe(150);
    expect(m.requests.shed).toBeGreaterThan(0);
    expect(m.requests.accepted).toBe(150 - m.requests.shed);
    expect(m.ttftMs.max).toBeLessThanOrEqual(2000);
    expect(m.slo.attainment).toBeCloseTo(m.slo.met / 150, 12);
    const off = await run([...args, '--deadline', 'off']);
    const none = (
      JSON.parse(off.stdout) as { runs: Array<{ metrics: { requests: Record<string, number> } }> }
    ).runs[0]!.metrics.requests;
    expect(none).toMatchObject({ shed: 0, abandoned: 0, finished: 150 });
  }, 30_000);

  it('sets the engine knobs of a reference simulator and reads a plain CSV with exact arrivals', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-knobs-'));
    const rows = ['arrival_ms,prompt_tokens,output_tokens'];
    for (let i = 0; i < 60; i++) rows.push(`${i * 37.5},${200 + ((i * 97) % 900)},${5 + (i % 40)}`);
    await writeFile(join(dir, 'plain.csv'), `${rows.join('\n')}\n`, 'utf8');
    const base = [
      'simulate',
      '--trace',
      'plain.csv',
      '--trace-format',
      'csv:arrival_ms,prompt_tokens,output_tokens',
      '--instances',
      '1',
      '--json',
    ];
    type Run = {
      runs: Array<{
        settings: { engine: Record<string, unknown> };
        metrics: { requests: { finished: number }; ttftMs: { mean: number } };
      }>;
    };
    const v0 = await run(
      [
        ...base,
        '--scheduler',
        'vllm-v0',
        '--max-num-seqs',
        '8',
        '--max-num-batched-tokens',
        '8192',
        '--num-gpu-blocks',
        '3000',
        '--block-size',
        '32',
        '--out',
        'o',
        '--per-request',
      ],
      dir,
    );
    expect(v0.stderr).toBe('');
    expect(v0.code).toBe(0);
    const a = (JSON.parse(v0.stdout) as Run).runs[0]!;
    expect(a.settings.engine).toEqual({
      maxNumSeqs: 8,
      maxNumBatchedTokens: 8192,
      enableChunkedPrefill: false,
      numGpuBlocks: 3000,
      blockSize: 32,
      maxModelLen: 8192,
    });
    expect(a.metrics.requests.finished).toBe(60);
    const arrivals = (await readFile(join(dir, 'o', 'requests.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { arrivalMs: number }).arrivalMs);
    expect(arrivals).toEqual(Array.from({ length: 60 }, (_, i) => i * 37.5));
    const chunked = (
      JSON.parse((await run([...base, '--scheduler', 'chunked'], dir)).stdout) as Run
    ).runs[0]!;
    expect(chunked.settings.engine).toMatchObject({ enableChunkedPrefill: true, maxNumSeqs: 256 });
    expect(chunked.metrics.ttftMs.mean).not.toBe(a.metrics.ttftMs.mean);
  }, 30_000);

  it('mixes traces by arrival time with mix:a+b', async () => {
    const r = await run([
      'simulate',
      '--trace',
      'mix:synthetic:azure-code+synthetic:azure-conv',
      '--requests',
      '200',
      '--instances',
      '2',
      '--rate',
      '5',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      runs: Array<{ workload: { requests: number; notes: string[] } }>;
    };
    expect(json.runs[0]!.workload.requests).toBe(200);
    expect(json.runs[0]!.workload.notes.join('\n')).toMatch(
      /mixed synthetic-azure-code \(8819\), synthetic-azure-conv \(19366\)/,
    );
  }, 30_000);

  it('writes byte-identical JSON for the same seed, different JSON for another', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-det-'));
    const args = ['simulate', ...small, '--rate', '6', '--policy', 'random', '--json'];
    const a = await run([...args, '--seed', '3'], dir);
    const b = await run([...args, '--seed', '3'], dir);
    const c = await run([...args, '--seed', '4'], dir);
    expect(a.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
  }, 30_000);

  it('answers bad flags with one line naming the flag and exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['simulate', ...small, '--policy', 'fastest'],
        /^adagen: --policy: unknown policy "fastest" \(expected one of: .*round-robin, random, least-requests/,
      ],
      [
        ['simulate', ...small, '--rate', '-3'],
        /^adagen: --rate: expected a positive number, got "-3"/,
      ],
      [
        ['simulate', ...small, '--profile', 'tpu-v9'],
        /^adagen: --profile: unknown profile "tpu-v9"/,
      ],
      [
        ['simulate', ...small, '--profile', 'missing.json'],
        /^adagen: --profile: cannot read profile file .*missing\.json/,
      ],
      [
        ['simulate', '--trace', 'azure-conv'],
        /^adagen: --trace: .*trace not found; tried .*azure2023_AzureLLMInferenceTrace_conv\.csv.*synthetic:azure-conv/,
      ],
      [['simulate', '--trace', 'nope.csv'], /^adagen: --trace: .*nope\.csv.*tried/],
      [
        ['simulate', '--trace', 'synthetic:wat'],
        /^adagen: --trace: unknown synthetic preset "wat"/,
      ],
      [
        ['simulate', ...small, '--instances', '0'],
        /^adagen: --instances: expected a positive integer, got "0"/,
      ],
      [['simulate', ...small, '--slo-ttft', 'soon'], /^adagen: --slo-ttft: expected/],
      [['simulate', ...small, '--bogus'], /^adagen: unknown option '--bogus'/],
      [['simulate'], /^adagen: required option '--trace <name\|path>' not specified/],
      [
        ['sweep', '--traces', 'synthetic:azure-conv', '--rates', '1,x', '--out', 'o'],
        /^adagen: --rates: expected a positive number, got "x"/,
      ],
      [
        [
          'sweep',
          '--traces',
          'synthetic:azure-conv',
          '--rates',
          '1',
          '--out',
          'o',
          '--policies',
          'rr',
        ],
        /^adagen: --policies: unknown policy "rr"/,
      ],
      [
        ['sweep', '--traces', 'synthetic:azure-conv', '--rates', '1'],
        /^adagen: --out: sweep needs an output directory/,
      ],
      [['frobnicate'], /^adagen: unknown command 'frobnicate'/],
      [
        ['simulate', ...small, '--scheduler', 'v1'],
        /^adagen: --scheduler: expected chunked or vllm-v0, got "v1"/,
      ],
      [
        ['simulate', ...small, '--max-num-seqs', '0'],
        /^adagen: --max-num-seqs: expected a positive integer/,
      ],
      [
        ['simulate', ...small, '--max-num-batched-tokens', '100'],
        /^adagen: --max-num-batched-tokens: maxNumBatchedTokens \(100\) must be >= maxNumSeqs \(256\)/,
      ],
      [
        ['simulate', ...small, '--scheduler', 'vllm-v0', '--max-num-batched-tokens', '4096'],
        /^adagen: --max-num-batched-tokens: without chunked prefill maxNumBatchedTokens \(4096\) must be >= maxModelLen/,
      ],
      [
        ['simulate', ...small, '--trace-format', 'csv:arrival_s,prompt_tokens,output_tokens'],
        /^adagen: --trace-format: applies to trace files, not to synthetic:<preset>/,
      ],
      [
        ['simulate', '--trace', 'x.csv', '--trace-format', 'csv:time,in,out'],
        /^adagen: --trace-format: cannot tell the unit of arrival column "time"/,
      ],
      [
        ['simulate', ...small, '--admission', 'polite'],
        /^adagen: --admission: expected none, slo, strict, saturation, off, got "polite"/,
      ],
      [
        ['simulate', ...small, '--deadline', '-1'],
        /^adagen: --deadline: expected seconds > 0, "auto" or "off", got "-1"/,
      ],
      [
        ['simulate', ...small, '--balancers', '0'],
        /^adagen: --balancers: expected a positive integer, got "0"/,
      ],
      [
        ['simulate', ...small, '--balancers', '257'],
        /^adagen: --balancers: expected 1 to 256 replicas, got 257/,
      ],
      [
        ['simulate', ...small, '--sharded'],
        /^adagen: --sharded: expected --balancers 2 or more to split the instances among/,
      ],
      [
        ['simulate', ...small, '--balancers', '2', '--spill'],
        /^adagen: --spill: expected --sharded \(only shards hand requests to each other\)/,
      ],
      [
        ['simulate', ...small, '--kv-link', 'carrier-pigeon'],
        /^adagen: --kv-link: unknown link preset "carrier-pigeon"/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\s+at\s.*\(/); // no stack trace
    }
  });

  it('prints help for every command with exit code 0', async () => {
    for (const argv of [
      ['--help'],
      ['simulate', '--help'],
      ['sweep', '--help'],
      ['help', 'sweep'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: adagen/);
    }
  });
});

describe('adagen sweep', () => {
  it('runs policies × rates, prints the tables and writes JSON, summary and plots', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-sweep-'));
    const r = await run(
      [
        'sweep',
        '--traces',
        'synthetic:azure-code',
        '--policies',
        'round-robin,lmetric',
        '--rates',
        '2,8',
        '--requests',
        '120',
        '--instances',
        '2',
        '--jobs',
        '1',
        '--admission',
        'saturation',
        '--deadline',
        '5',
        '--out',
        'o',
      ],
      dir,
    );
    expect(r.stderr).toMatch(/\[4\/4\] synthetic:azure-code lmetric 8 req\/s/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/synthetic:azure-code — SLO attainment/);
    expect(r.stdout).toMatch(/round-robin\s+[\d.]+%\s+[\d.]+%/);
    expect(r.stdout).toMatch(/TTFT mean.*req\/s\s+makespan s\s+shed\s+abandoned\s+unfinished/);
    const json = JSON.parse(await readFile(join(dir, 'o', 'result.json'), 'utf8')) as {
      command: string;
      runs: Array<{
        policy: string;
        ratePerS: number;
        settings: { admission: { mode: string }; deadline: unknown };
        metrics: { ttftMs: { max: number } };
      }>;
    };
    expect(json.command).toBe('sweep');
    for (const x of json.runs) {
      expect(x.settings.admission.mode).toBe('saturation');
      expect(x.settings.deadline).toEqual({ kind: 'fixed', ms: 5000 });
      expect(x.metrics.ttftMs.max).toBeLessThanOrEqual(5000);
    }
    expect(json.runs.map((x) => `${x.policy}@${x.ratePerS}`)).toEqual([
      'round-robin@2',
      'round-robin@8',
      'lmetric@2',
      'lmetric@8',
    ]);
    expect(await readFile(join(dir, 'o', 'summary.md'), 'utf8')).toMatch(/\| round-robin/);
    expect(
      (await stat(join(dir, 'o', 'attainment-synthetic_azure-code.png'))).size,
    ).toBeGreaterThan(100);
  }, 60_000);

  it('searches goodput and instances needed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-search-'));
    const r = await run(
      [
        'sweep',
        '--traces',
        'synthetic:azure-conv',
        '--policies',
        'least-requests',
        '--rates',
        '1,4',
        '--requests',
        '100',
        '--instances',
        '1',
        '--goodput',
        '--instances-needed',
        '--rate',
        '6',
        '--max-instances',
        '4',
        '--jobs',
        '1',
        '--out',
        'o',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(await readFile(join(dir, 'o', 'result.json'), 'utf8')) as {
      goodput: Array<{ goodputRatePerS: number | null; probes: unknown[] }>;
      instancesNeeded: Array<{ instances: number | null; probes: unknown[] }>;
    };
    expect(json.goodput).toHaveLength(1);
    expect(json.goodput[0]!.probes.length).toBeGreaterThan(2);
    expect(json.instancesNeeded).toHaveLength(1);
    expect(r.stdout).toMatch(/goodput/);
    expect(r.stdout).toMatch(/instances needed/);
  }, 60_000);
});
