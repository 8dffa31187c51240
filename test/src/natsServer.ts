import { decideMode, launcherFor } from './mode.js';
import type { NatsMode } from './mode.js';
import { freePorts } from './ports.js';
import { NatsProcess } from './process.js';
import type { NatsLauncher } from './launcher.js';
import { noticeOnce } from './report.js';
import { WorkDir } from './workdir.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NatsServerOptions {
  /** Enable JetStream, stored in the temp dir. @default false */
  readonly jetstream?: boolean;
  /** Extra nats-server configuration text, appended to the generated config. */
  readonly config?: string;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
  /** @default 20000 */
  readonly startTimeoutMs?: number;
}

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly monitorUrl: string;
  readonly mode: NatsMode;
  /** Where the server's log is written (kept on failure or with KEEP_NATS_LOGS=1). */
  readonly logFile: string;
  /** Stops the server and removes its temp dir unless logs are kept. Idempotent. */
  stop(): Promise<void>;
}

const MAX_PORT_ATTEMPTS = 3;

/**
 * Starts a real nats-server on free loopback ports (as a process or in a container on host
 * networking, see `decideMode`),
 * waits until it is healthy, and returns a handle for `await using`.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const decision = await decideMode();
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const jetstream = options.jetstream ?? false;
  const dir = await WorkDir.create('nats');
  try {
    const launcher = launcherFor(decision);
    const why = decision.fallbackReason === undefined ? '' : ` — ${decision.fallbackReason}`;
    noticeOnce('mode', `nats mode: ${launcher.mode} (${launcher.what})${why}`);
    const server = await startWithFreePorts(launcher, dir, {
      ...options,
      jetstream,
      startTimeoutMs,
    });
    const stop = async () => {
      await server.stop();
      if (server.crashed) dir.keep('nats-server crashed');
    };
    return handle(
      launcher.mode,
      server.url,
      server.spec.clientPort,
      server.monitorUrl,
      server.logFile,
      stop,
      dir,
    );
  } catch (error) {
    dir.keep('nats-server failed to start');
    await dir.dispose();
    throw error;
  }
}

async function startWithFreePorts(
  launcher: NatsLauncher,
  dir: WorkDir,
  options: NatsServerOptions & { jetstream: boolean; startTimeoutMs: number },
): Promise<NatsProcess> {
  for (let attempt = 1; ; attempt += 1) {
    const [clientPort = 0, monitorPort = 0] = await freePorts(2);
    const server = new NatsProcess({
      launcher,
      dir: dir.path,
      name: `n${attempt}`,
      clientPort,
      monitorPort,
      jetstream: options.jetstream,
      ...(options.config === undefined ? {} : { extraConfig: options.config }),
      ...(options.args === undefined ? {} : { args: options.args }),
    });
    try {
      await server.start(options.startTimeoutMs);
      await waitHealthy(server, options.startTimeoutMs);
      return server;
    } catch (error) {
      await server.stop();
      const portTaken = (await server.logTail()).includes('address already in use');
      if (!portTaken || attempt >= MAX_PORT_ATTEMPTS) throw error;
    }
  }
}

/** Waits until `/healthz` answers 200 (JetStream ready too, when enabled). */
export async function waitHealthy(server: NatsProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await server.fetchOk('/healthz')) return;
    await sleep(50);
  }
  throw new Error(
    `nats-server ${server.spec.name} not healthy after ${timeoutMs} ms:\n${await server.logTail()}`,
  );
}

function handle(
  mode: NatsMode,
  url: string,
  port: number,
  monitorUrl: string,
  logFile: string,
  stopServer: () => Promise<void>,
  dir: WorkDir,
): NatsServer {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await stopServer();
      await dir.dispose();
    })();
    return stopping;
  };
  return { url, port, monitorUrl, mode, logFile, stop, [Symbol.asyncDispose]: stop };
}
