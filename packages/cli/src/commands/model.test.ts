import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGguf } from '@adagen/gguf';
import { runCli } from '../run.testutil.js';

const run = (argv: string[], cwd: string) => runCli(argv, cwd);

const small = ['--layers', '2', '--embedding', '64', '--ff', '96', '--vocab', '300'];

describe('adagen model', () => {
  it('gen writes the same bytes for the same seed, and info reads them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-model-'));
    const a = await run(['model', 'gen', '--out', 'a.gguf', '--seed', '5', ...small], dir);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/wrote .*a\.gguf \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
    await run(['model', 'gen', '--out', 'b.gguf', '--seed', '5', ...small], dir);
    const bytes = await readFile(join(dir, 'a.gguf'));
    expect((await readFile(join(dir, 'b.gguf'))).equals(bytes)).toBe(true);
    expect(decodeGguf(bytes).tensors).toHaveLength(2 + 2 * 9 + 1);

    const info = await run(['model', 'info', 'a.gguf', '--json'], dir);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      layers: 2,
      embeddingLength: 64,
      vocabSize: 300,
      problems: [],
    });
  });

  it('names the bad flag, and info fails on a file that is not a llama GGUF', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adagen-model-'));
    const bad = await run(['model', 'gen', '--out', 'x.gguf', '--heads', '3'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^adagen: --heads: heads \(3\) must divide embeddingLength \(128\)/);
    const vocab = await run(['model', 'gen', '--out', 'x.gguf', '--vocab', '5000'], dir);
    expect(vocab.code).toBe(2);
    expect(vocab.stderr).toMatch(/--vocab/);
    await writeFile(join(dir, 'junk.gguf'), 'not a gguf at all');
    const info = await run(['model', 'info', 'junk.gguf'], dir);
    expect(info.code).toBe(1);
    expect(info.stderr).toMatch(/not a GGUF file/);
  });
});
