import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../run.testutil.js';

const run = (argv: string[], cwd: string) => runCli(argv, cwd);

const values = `pools: [{ name: sim, profile: a100, replicas: 2, engine: { type: sim } }]\n`;

describe('adagen deploy render', () => {
  it('prints the objects, keeps the nkey seeds in --keys, writes a kustomize base with --out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-deploy-'));
    await writeFile(join(dir, 'values.yaml'), values);
    const first = await run(['deploy', 'render', '--values', 'values.yaml', '--keys', 'keys'], dir);
    expect(first.code, first.stderr).toBe(0);
    const kinds = parseAllDocuments(first.stdout).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toContain('StatefulSet');
    expect(kinds).toContain('Secret');
    expect(first.stderr).toMatch(/new nkey seeds in/);
    const seeds = (await readdir(join(dir, 'keys'))).sort();
    expect(seeds).toContain('gateway-adagen-gateway-0.nk');
    const again = await run(['deploy', 'render', '--values', 'values.yaml', '--keys', 'keys'], dir);
    expect(again.stdout, 'the same seeds give the same objects').toBe(first.stdout);

    const out = await run(
      ['deploy', 'render', '--values', 'values.yaml', '--keys', 'keys', '--out', 'base'],
      dir,
    );
    expect(out.code).toBe(0);
    const kustomization = await readFile(join(dir, 'base', 'kustomization.yaml'), 'utf8');
    expect(kustomization).toContain('statefulset-adagen-nats.yaml');
  });

  it('names the bad field of the values file, and a file that is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-deploy-'));
    await writeFile(
      join(dir, 'bad.yaml'),
      'pools: [{ name: sim, profile: a100, replicas: 0, engine: { type: sim } }]\n',
    );
    const bad = await run(['deploy', 'render', '--values', 'bad.yaml'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid values: pools\.0\.replicas: /);
    const missing = await run(['deploy', 'render', '--values', 'nope.yaml'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--values: .*nope\.yaml/);
  });
});
