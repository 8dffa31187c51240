/**
 * A service as a real process (`node services/<name>/dist/main.js`), for tests that must kill
 * one hard. Needs the services built (`pnpm typecheck` / `tsc -b`, which `pnpm verify` runs first).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../ports.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'agent' | 'planner' | 'balancer' | 'classifier' | 'estimator' | 'gateway';

export interface ServiceProcess extends AsyncDisposable {
  readonly name: ServiceName;
  readonly process: ChildProcess;
  readonly httpPort: number;
  /** Output so far (stdout + stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no drain, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export function serviceBuilt(name: ServiceName): boolean {
  return existsSync(join(repoRoot, 'services', name, 'dist', 'main.js'));
}

export async function startServiceProcess(
  name: ServiceName,
  env: Readonly<Record<string, string>>,
  timeoutMs = 20_000,
): Promise<ServiceProcess> {
  const httpPort = await freePort();
  // ADAGEN_CPU_PROF_DIR: each service process writes a V8 CPU profile there when it exits
  // (sampled every ADAGEN_CPU_PROF_INTERVAL_US µs, default 1000).
  const profDir = process.env.ADAGEN_CPU_PROF_DIR;
  const prof =
    profDir === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${profDir}/${name}`,
          `--cpu-prof-interval=${process.env.ADAGEN_CPU_PROF_INTERVAL_US ?? '1000'}`,
        ];
  const main = join(repoRoot, 'services', name, 'dist', 'main.js');
  const child = spawn(process.execPath, [...prof, main], {
    env: {
      ...process.env,
      ...env,
      ADAGEN_HTTP_HOST: '127.0.0.1',
      ADAGEN_HTTP_PORT: String(httpPort),
      ADAGEN_EXIT_WITH_PARENT: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    await kill();
  };
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      await res.text();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await kill();
      throw new Error(`${name} not ready within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name,
    process: child,
    httpPort,
    output: () => out,
    kill,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
