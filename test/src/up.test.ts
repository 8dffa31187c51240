/**
 * `adagen up`, the README's main job, as a user runs it: the built CLI in its own process starting
 * nats-server and every service, serving a completion, printing status lines, and stopping
 * everything on Ctrl-C; refusing a gateway port that is taken; and failing (not lingering) when
 * the gateway dies under it.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './fleet/openai-client.js';
import { freePort } from './ports.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(repoRoot, 'packages', 'cli', 'dist', 'bin', 'adagen.js');
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

interface Up {
  readonly child: ChildProcess;
  readonly dir: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

const running: Up[] = [];

function startUp(args: readonly string[]): Up {
  const dir = mkdtempSync(join(tmpdir(), 'adagen-up-test-'));
  const child = spawn(process.execPath, [cli, 'up', '--dir', dir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ADAGEN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')),
  );
  const up = { child, dir, stdout: () => out, stderr: () => err, exited };
  running.push(up);
  return up;
}

async function until(what: string, up: Up, test: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (up.child.exitCode !== null || up.child.signalCode !== null)
      throw new Error(
        `adagen up exited while waiting for ${what}:\n${up.stdout()}\n${up.stderr()}`,
      );
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${timeoutMs} ms:\n${up.stdout()}\n${up.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function accepting(port: number): Promise<boolean> {
  return new Promise((r) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      r(true);
    });
    socket.once('error', () => r(false));
  });
}

/** The pids of `adagen up`'s children running a service's entry point (a regex on the name). */
function childPids(parent: number, service = '.*'): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(parent), '-f', `services/${service}/dist/main.js`])
      .toString()
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function natsPortOf(stdout: string): number {
  const m = /nats\s+nats:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
  if (m === null) throw new Error(`no nats URL in:\n${stdout}`);
  return Number(m[1]);
}

afterEach(async () => {
  for (const up of running.splice(0)) {
    if (up.child.exitCode === null && up.child.signalCode === null) {
      up.child.kill('SIGINT');
      await Promise.race([up.exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    rmSync(up.dir, { recursive: true, force: true });
  }
});

describe.skipIf(!existsSync(cli))('adagen up (the main job, as a process)', () => {
  it('serves a completion, prints status lines, and stops everything on SIGINT', async () => {
    const port = await freePort();
    const up = startUp(['--agents', '2', '--port', String(port), '--stats-every', '1']);
    await until('"fleet up" banner', up, () => up.stdout().includes('AdaGen fleet up'), 90_000);
    expect(up.stdout()).toContain(`http://127.0.0.1:${port}`);
    const natsPort = natsPortOf(up.stdout());
    const children = childPids(up.child.pid!);
    // agents, one of each step, gateway, dashboard
    expect(children.length).toBe(2 + 1 + 1 + 1 + 1 + 1 + 1);
    const dashboard = /dashboard: (http:\/\/\S+)/.exec(up.stdout())?.[1];
    expect(dashboard).toBeDefined();
    const page = await fetch(dashboard!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/vendor/uPlot.iife.min.js');

    const res = await postJson(`http://127.0.0.1:${port}/v1/completions`, {
      model: MODEL,
      prompt: 'Hello there, fleet',
      max_tokens: 8,
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ usage: { completion_tokens: 8 } });
    await until('a status line counting it', up, () => /total 1 done/.test(up.stdout()), 15_000);

    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.stderr()).toContain('stopped; logs in');
    expect(await accepting(port)).toBe(false);
    expect(await accepting(natsPort)).toBe(false);
    expect(children.filter(alive)).toEqual([]);
  }, 150_000);

  it('--sharded: starts with the balancers holding the agents between them, and serves', async () => {
    const port = await freePort();
    const up = startUp(['--agents', '3', '--replicas', '2', '--sharded', '--port', String(port)]);
    await until('"fleet up" banner', up, () => up.stdout().includes('AdaGen fleet up'), 90_000);
    expect(up.stdout()).toContain('the balancers as shards');
    for (let i = 0; i < 4; i++) {
      const res = await postJson(`http://127.0.0.1:${port}/v1/completions`, {
        model: MODEL,
        prompt: `Hello there, shard ${i}`,
        max_tokens: 4,
      });
      expect(res.status).toBe(200);
    }
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
  }, 150_000);

  it('refuses a gateway port that is already taken, before starting anything', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const { port } = squatter.address() as { port: number };
    try {
      const up = startUp(['--agents', '1', '--port', String(port)]);
      expect(await up.exited).toBe(2);
      expect(up.stderr()).toMatch(new RegExp(`--port: 127\\.0\\.0\\.1:${port} is already in use`));
      expect(up.stdout()).not.toContain('AdaGen fleet up');
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  }, 30_000);

  it('stops the fleet and fails when its gateway dies after start-up', async () => {
    const port = await freePort();
    const up = startUp(['--agents', '1', '--port', String(port)]);
    await until('"fleet up" banner', up, () => up.stdout().includes('AdaGen fleet up'), 90_000);
    const natsPort = natsPortOf(up.stdout());
    const children = childPids(up.child.pid!);
    const [gateway] = childPids(up.child.pid!, 'gateway');
    expect(gateway).toBeTypeOf('number');
    process.kill(gateway!, 'SIGKILL');

    expect(await up.exited).toBe(1);
    expect(up.stderr()).toContain('gateway-0 exited');
    expect(up.stderr()).toContain('the fleet stopped: every gateway exited');
    expect(await accepting(natsPort)).toBe(false);
    expect(children.filter(alive)).toEqual([]);
  }, 150_000);
});
