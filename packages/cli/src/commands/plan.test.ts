import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run.testutil.js';

function run(argv: string[], cwd: string) {
  let t = 0;
  return runCli(argv, cwd, {
    env: { ADAGEN_SHARED_DIR: '/nonexistent-adagen-shared' },
    now: () => (t += 1),
  });
}

describe('adagen plan', () => {
  it('prints the fewest instances, the curve and the cost, and writes plan.json and the plot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-plan-'));
    const r = await run(
      [
        'plan',
        '--trace',
        'synthetic:azure-conv',
        '--requests',
        '400',
        '--rate',
        '8',
        '--policy',
        'least-requests',
        '--max-instances',
        '6',
        '--gpu-hour-usd',
        '2',
        '--out',
        'out',
      ],
      dir,
    );
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const needed = Number(/instances needed: (\d+)/.exec(r.stdout)?.[1]);
    expect(needed).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toMatch(/per million output tokens/);
    const plan = JSON.parse(await readFile(join(dir, 'out', 'plan.json'), 'utf8')) as {
      schema: string;
      instances: number;
      method: string;
      curve: Array<{ instances: number; attainment: number | null }>;
      cost: { dollarsPerHour: number };
    };
    expect(plan).toMatchObject({ schema: 'adagen-plan/v1', instances: needed, method: 'full' });
    expect(plan.cost.dollarsPerHour).toBe(2 * needed);
    const at = plan.curve.find((p) => p.instances === needed)!;
    expect(at.attainment).toBeGreaterThanOrEqual(0.9);
    const below = plan.curve.find((p) => p.instances === needed - 1);
    if (below !== undefined) expect(below.attainment).toBeLessThan(0.9);
    expect((await stat(join(dir, 'out', 'attainment-vs-instances.svg'))).size).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a range upside down, naming the flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-plan-'));
    const r = await run(
      ['plan', '--trace', 'synthetic:azure-conv', '--min-instances', '5', '--max-instances', '2'],
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-instances: expected ≥ --min-instances \(5\)/);
  });
});
