/**
 * The fleet's service processes: started with their configuration in `ADAGEN_*` variables and
 * their logs in the run's directory, watched for readiness, and stopped in order (SIGTERM, then
 * SIGKILL after the grace period). Each runs in its own process group, so a Ctrl-C reaches only
 * `adagen up`, which stops them in order; each also exits when its stdin (a pipe from `adagen
 * up`) closes, so none outlives it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE_NAMES = [
  'agent',
  'planner',
  'balancer',
  'classifier',
  'estimator',
  'gateway',
  'dashboard',
  'recommender',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ChildSpec {
  readonly service: ServiceName;
  /** Unique label, e.g. `agent-0`, `balancer-1`. */
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  /** The ops HTTP port (`/readyz`, `/metrics`). */
  readonly httpPort: number;
}

export interface Child {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

/** Where a service's built entry point is. */
export function serviceEntry(repoRoot: string, service: ServiceName): string {
  return join(repoRoot, 'services', service, 'dist', 'main.js');
}

export function missingBuilds(repoRoot: string): string[] {
  return SERVICE_NAMES.map((s) => serviceEntry(repoRoot, s)).filter((p) => !existsSync(p));
}

export function startChild(
  repoRoot: string,
  dir: string,
  spec: ChildSpec,
  baseEnv: NodeJS.ProcessEnv,
): Child {
  const logFile = join(dir, `${spec.label}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [serviceEntry(repoRoot, spec.service)], {
    stdio: ['pipe', log, log],
    env: { ...baseEnv, ...spec.env, ADAGEN_EXIT_WITH_PARENT: '1' },
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  return { spec, process: child, logFile, exited };
}

/** The last lines of a child's log, for error messages. */
export function logTail(child: Child, lines = 8): string {
  try {
    return readFileSync(child.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(1000),
    });
    await res.text();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Waits until every child answers `/readyz`; throws naming the first that exited. */
export async function waitReady(children: readonly Child[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  const waiting = new Set(children);
  while (waiting.size > 0) {
    for (const c of waiting) {
      if (c.process.exitCode !== null)
        throw new Error(`${c.spec.label} exited with code ${c.process.exitCode}:\n${logTail(c)}`);
      if (await ready(c.spec.httpPort)) waiting.delete(c);
    }
    if (waiting.size === 0) return;
    if (Date.now() > until)
      throw new Error(
        `not ready after ${timeoutMs} ms: ${[...waiting].map((c) => c.spec.label).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads one gauge from a child's `/metrics` (the first sample), or undefined. */
export async function gauge(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
    ).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  } catch {
    return undefined;
  }
}

/** SIGTERM to every child of the group, then SIGKILL to those still running after `graceMs`. */
export async function stopGroup(children: readonly Child[], graceMs: number): Promise<void> {
  for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), graceMs).unref(),
  );
  await Promise.race([Promise.all(children.map((c) => c.exited)), timeout]);
  for (const c of children)
    if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}
