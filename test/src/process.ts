import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LaunchedNats, NatsLauncher } from './launcher.js';
import { SERVER_PID_SUFFIX } from './orphans.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NatsProcessSpec {
  /** Binary or container (see `launcher.ts`). */
  readonly launcher: NatsLauncher;
  readonly dir: string;
  readonly name: string;
  readonly clientPort: number;
  readonly monitorPort: number;
  readonly jetstream: boolean;
  /** Cluster listen port and the other members' cluster ports. */
  readonly cluster?: {
    readonly name: string;
    readonly port: number;
    readonly routePorts: readonly number[];
  };
  readonly extraConfig?: string;
  readonly args?: readonly string[];
}

function configText(spec: NatsProcessSpec): string {
  const lines = [
    `server_name: ${spec.name}`,
    `listen: 127.0.0.1:${spec.clientPort}`,
    `http: 127.0.0.1:${spec.monitorPort}`,
  ];
  if (spec.jetstream)
    lines.push(`jetstream { store_dir: ${JSON.stringify(join(spec.dir, `js-${spec.name}`))} }`);
  if (spec.cluster !== undefined) {
    const routes = spec.cluster.routePorts.map((p) =>
      JSON.stringify(`nats-route://127.0.0.1:${p}`),
    );
    lines.push(
      `cluster { name: ${spec.cluster.name}, listen: 127.0.0.1:${spec.cluster.port}, routes: [${routes.join(', ')}] }`,
    );
  }
  if (spec.extraConfig !== undefined) lines.push(spec.extraConfig);
  return `${lines.join('\n')}\n`;
}

/** One nats-server with fixed ports, so it can be killed and restarted in place. */
export class NatsProcess {
  readonly logFile: string;
  readonly configFile: string;
  private server: LaunchedNats | undefined;
  private stopping = false;
  /** Set when the server exited without being asked to. */
  crashed = false;

  constructor(readonly spec: NatsProcessSpec) {
    this.logFile = join(spec.dir, `${spec.name}.log`);
    this.configFile = join(spec.dir, `${spec.name}.conf`);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.spec.clientPort}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.spec.monitorPort}`;
  }

  get running(): boolean {
    return this.server?.running() ?? false;
  }

  /** Starts the server and waits until its monitoring endpoint answers. */
  async start(timeoutMs: number): Promise<void> {
    if (this.running) return;
    await writeFile(this.configFile, configText(this.spec));
    const server = await this.spec.launcher.launch({
      dir: this.spec.dir,
      configFile: this.configFile,
      logFile: this.logFile,
      args: this.spec.args ?? [],
    });
    this.server = server;
    this.stopping = false;
    void server.exited.then(() => {
      if (!this.stopping) this.crashed = true;
    });
    // Lets a later test process kill this server if this one dies without cleaning up.
    const pidFile = join(this.spec.dir, `${this.spec.name}${SERVER_PID_SUFFIX}`);
    if (server.pid !== undefined) await writeFile(pidFile, String(server.pid));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!server.running())
        throw new Error(
          `nats-server ${this.spec.name} exited during start:\n${await this.logTail()}`,
        );
      if (await this.fetchOk('/varz')) return;
      await sleep(50);
    }
    throw new Error(
      `nats-server ${this.spec.name} not up after ${timeoutMs} ms:\n${await this.logTail()}`,
    );
  }

  /** GET on the monitoring port; true on 200. */
  async fetchOk(path: string): Promise<boolean> {
    try {
      const response = await fetch(`${this.monitorUrl}${path}`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** GET JSON from the monitoring port. */
  async fetchJson(path: string): Promise<unknown> {
    const response = await fetch(`${this.monitorUrl}${path}`, {
      signal: AbortSignal.timeout(1000),
    });
    const body: unknown = await response.json();
    return body;
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    const server = this.server;
    if (server === undefined || !server.running()) return;
    this.stopping = true;
    await server.kill();
  }

  /** SIGTERM and wait; SIGKILL when it takes longer than 5 s. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined || !server.running()) return;
    this.stopping = true;
    await server.stop(5000);
  }

  async logTail(lines = 30): Promise<string> {
    try {
      return (await readFile(this.logFile, 'utf8')).split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
