import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IterationReport } from '@adagen/engine';
import {
  builtinProfiles,
  iterationRecord,
  LatencyModel,
  loadProfile,
  SimInstance,
} from '@adagen/engine';
import { runCli } from '../run.testutil.js';

const run = (argv: string[], cwd: string) =>
  runCli(argv, cwd, { env: { ADAGEN_SHARED_DIR: '/nonexistent-adagen-shared' } });

const H100 = builtinProfiles['llama-3-8b_h100-80gb_tp1']!;

/** Iterations of an H100 engine (with 5 % lognormal noise) on 120 staggered requests. */
function recordH100(): IterationReport[] {
  const reports: IterationReport[] = [];
  const inst = new SimInstance({
    id: 'h100-0',
    profile: H100,
    jitter: { sigma: 0.05, seed: 5 },
    observer: { onIteration: (r) => void reports.push(r) },
  });
  for (let i = 0; i < 120; i++) {
    inst.runUntil(i * 60);
    inst.enqueue(
      {
        kind: 'full',
        id: `r${i}`,
        promptTokens: 50 + ((i * 397) % 1900),
        outputTokens: 10 + ((i * 53) % 150),
      },
      i * 60,
    );
  }
  inst.runToCompletion();
  return reports;
}

describe('adagen calibrate', () => {
  it('fits a profile file from recorded iterations that simulate --profile then loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-cal-'));
    const reports = recordH100();
    expect(reports.length).toBeGreaterThan(500);
    const lines = reports.map((r) => JSON.stringify(iterationRecord(r)));
    await writeFile(join(dir, 'obs.jsonl'), `${lines.join('\n')}\n`);
    const r = await run(
      [
        'calibrate',
        '--observations',
        'obs.jsonl',
        '--profile',
        'a100',
        '--instance',
        'h100-0',
        '--out',
        'out/h100-cal.json',
      ],
      dir,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /calibrated llama-3-8b_a100-80gb_tp1\.calibrated from llama-3-8b_a100-80gb_tp1: \d+ observations/,
    );
    const profile = loadProfile(await readFile(join(dir, 'out', 'h100-cal.json'), 'utf8'));
    expect(profile.fitError?.all.count).toBe(reports.length);
    // Against the noiseless truth on the recorded batches: within 3 % at the median.
    const truth = new LatencyModel(H100);
    const model = new LatencyModel(profile);
    const errors = reports
      .map((f) => Math.abs(model.iterationMs(f) - truth.iterationMs(f)) / truth.iterationMs(f))
      .sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.03);
    const start = new LatencyModel(builtinProfiles['llama-3-8b_a100-80gb_tp1']!);
    expect(
      Math.abs(start.iterationMs(reports[100]!) / truth.iterationMs(reports[100]!) - 1),
    ).toBeGreaterThan(0.3);

    const sim = await run(
      [
        'simulate',
        '--trace',
        'synthetic:azure-conv',
        '--requests',
        '40',
        '--instances',
        '1',
        '--rate',
        '1',
        '--profile',
        'out/h100-cal.json',
      ],
      dir,
    );
    expect(sim.stderr).not.toMatch(/error/i);
    expect(sim.code).toBe(0);
  });

  it('names the file, line and field of a bad observation; exit code 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-cal-'));
    const good = JSON.stringify(iterationRecord(recordH100()[0]!));
    await writeFile(
      join(dir, 'bad.jsonl'),
      `${good}\n${good.replace(/"durationMs":[\d.e-]+/, '"durationMs":"fast"')}\n`,
    );
    let r = await run(['calibrate', '--observations', 'bad.jsonl', '--out', 'x.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--observations: .*bad\.jsonl: line 2: field durationMs/);
    r = await run(['calibrate', '--observations', 'missing.jsonl', '--out', 'x.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--observations: cannot read .*missing\.jsonl/);
    await writeFile(join(dir, 'empty.jsonl'), '\n');
    r = await run(['calibrate', '--observations', 'empty.jsonl', '--out', 'x.json'], dir);
    expect(r.stderr).toMatch(/holds no observations/);
    await writeFile(join(dir, 'good.jsonl'), `${good}\n`);
    r = await run(
      ['calibrate', '--observations', 'good.jsonl', '--out', 'x.json', '--instance', 'other'],
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--instance: no record of .*good\.jsonl has instanceId "other"/);
    r = await run(
      ['calibrate', '--observations', 'good.jsonl', '--out', 'x.json', '--window', '0'],
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--window/);
  });
});
