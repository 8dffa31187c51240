import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

async function run(argv: string[]) {
  let stderr = '';
  const io: CliIo = {
    stdout: () => undefined,
    stderr: (s) => (stderr += s),
    stderrIsTTY: false,
    cwd: process.cwd(),
    env: {},
    traceFallbackDirs: [],
    now: () => 0,
  };
  return { code: await main(argv, io), stderr };
}

describe('adagen engine serve and up --backend http: options checked before anything starts', () => {
  it.each([
    [['engine', 'serve', '--backend', 'vllm'], '--backend: expected sim or llama, got "vllm"'],
    [['engine', 'serve', '--port', 'x'], '--port: expected a positive integer'],
    [['engine', 'serve', '--model', 'm.gguf'], '--model: only with --backend llama'],
    [
      ['engine', 'serve', '--backend', 'llama', '--max-num-seqs', '4'],
      '--max-num-seqs: only with --backend sim',
    ],
    [['engine', 'serve', '--profile', 'nope'], '--profile: unknown profile "nope"'],
    [['up', '--backend', 'http'], '--engine: required with --backend http'],
    [
      ['up', '--backend', 'http', '--engine', 'localhost:8000'],
      '--engine: expected an http(s) URL',
    ],
    [['up', '--engine', 'http://127.0.0.1:8000'], '--engine: only with --backend http'],
    [
      ['up', '--backend', 'http', '--engine', 'http://a:1', '--autoscale', '1..3'],
      '--autoscale: not with --backend http',
    ],
    [['up', '--sharded'], '--sharded: expected --replicas 2 or more (one balancer per shard)'],
    [
      ['up', '--sharded', '--replicas', '3', '--agents', '2'],
      '--sharded: expected at least as many agents as shards (2 agents, 3 shards)',
    ],
  ])('%j → usage error', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
