/**
 * A nats-server for `adagen up`: found on $NATS_SERVER_BIN, PATH or the usual places (or
 * installed by `infra/ensure-nats-server.sh` when it can), started on a free loopback port with
 * its log in the run's directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findNatsServer as lookUpNatsServer } from '@adagen/natsconf';
import { freePort } from './ports.js';

/** The nats-server binary, or undefined (the lookup is natsconf's `findNatsServer`). */
export function findNatsServer(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const found = lookUpNatsServer(env);
  return 'path' in found ? found.path : undefined;
}

export const NATS_MISSING = [
  'nats-server was not found (looked at $NATS_SERVER_BIN, PATH, /usr/sbin, /usr/local/bin, /usr/bin).',
  'Install it with: bash infra/ensure-nats-server.sh   (Debian/Ubuntu: sudo apt-get install -y nats-server;',
  'elsewhere: a release from https://github.com/nats-io/nats-server/releases, or set NATS_SERVER_BIN).',
].join(' ');

/** Finds the binary, trying the repository's installer script once when it is missing. */
export function ensureNatsServer(
  env: Readonly<Record<string, string | undefined>>,
  repoRoot: string,
): string | undefined {
  const found = findNatsServer(env);
  if (found !== undefined) return found;
  const script = join(repoRoot, 'infra', 'ensure-nats-server.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const path = r.status === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  return path !== undefined && 'path' in lookUpNatsServer({ NATS_SERVER_BIN: path })
    ? path
    : undefined;
}

export interface StartedNats {
  readonly url: string;
  readonly process: ChildProcess;
  /** Resolves when the server's process has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** Stops the server; resolves when it has exited. */
  stop(): Promise<void>;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nats-server on a free loopback port; resolves once it accepts connections. */
export async function startNats(
  bin: string,
  logFile: string,
  timeoutMs = 15_000,
  configFile?: string,
): Promise<StartedNats> {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  // A shell watches stdin (a pipe from this process): when it closes, on `stop()` or because
  // this process died, it stops the server, so no nats-server outlives `adagen up`.
  const child = spawn(
    'sh',
    [
      '-c',
      '"$0" "$@" & pid=$!; read _ignored; kill $pid; wait $pid',
      bin,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      ...(configFile === undefined ? [] : ['-c', configFile]),
    ],
    { stdio: ['pipe', log, log], detached: true },
  );
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null)
      throw new Error(`nats-server exited with code ${child.exitCode}; see ${logFile}`);
    if (await accepting(port)) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const stop = async () => {
        child.stdin?.end();
        await exited;
      };
      return { url: `nats://127.0.0.1:${port}`, process: child, exited, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.stdin?.end();
  throw new Error(`nats-server did not accept connections within ${timeoutMs} ms; see ${logFile}`);
}
