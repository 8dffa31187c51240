/**
 * `adagen engine serve` as a real process, for the `http` backend's tests: started on a free
 * port with `--record`, so a test can read what every request asked of the engine (P/D fields,
 * max_tokens, stream, request id). Needs the CLI built (`tsc -b`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(repoRoot, 'packages', 'cli', 'dist', 'bin', 'adagen.js');

export interface EngineRecord {
  readonly path: string;
  readonly requestId: string;
  readonly stream: boolean;
  readonly maxTokens: number | null;
  readonly kvTransferParams: Record<string, unknown> | null;
}

export interface EngineProcess extends AsyncDisposable {
  readonly url: string;
  readonly engineId: string;
  readonly process: ChildProcess;
  /** What the engine saw, in arrival order. */
  records(): EngineRecord[];
  output(): string;
  stop(): Promise<void>;
}

export function cliBuilt(): boolean {
  return existsSync(CLI);
}

/** Starts `adagen engine serve` with `args` (besides port and record); resolves once it serves. */
export async function startEngineProcess(
  dir: string,
  name: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<EngineProcess> {
  const port = await freePort();
  const recordFile = join(dir, `${name}.requests.jsonl`);
  const child = spawn(
    process.execPath,
    [CLI, 'engine', 'serve', '--port', String(port), '--record', recordFile, ...args],
    { env: { ...process.env, ADAGEN_EXIT_WITH_PARENT: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const until = Date.now() + timeoutMs;
  let engineId: string | undefined;
  while (engineId === undefined) {
    if (child.exitCode !== null)
      throw new Error(`engine ${name} exited (${child.exitCode}):\n${out}`);
    engineId = /engine id (\S+),/.exec(out)?.[1];
    if (Date.now() > until) {
      await stop();
      throw new Error(`engine ${name} not serving within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    engineId,
    process: child,
    records: () =>
      existsSync(recordFile)
        ? readFileSync(recordFile, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as EngineRecord)
        : [],
    output: () => out,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
