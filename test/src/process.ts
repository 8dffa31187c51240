import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVER_PID_SUFFIX } from './orphans.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NatsProcessSpec {
  readonly bin: string;
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

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill servers a crashed test left behind when the worker exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
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

/** One nats-server process with fixed ports, so it can be killed and restarted in place. */
export class NatsProcess {
  readonly logFile: string;
  readonly configFile: string;
  private child: ChildProcess | undefined;
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
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts the server and waits until its monitoring endpoint answers. */
  async start(timeoutMs: number): Promise<void> {
    if (this.running) return;
    await writeFile(this.configFile, configText(this.spec));
    const fd = openSync(this.logFile, 'a');
    const child = spawn(this.spec.bin, ['-c', this.configFile, ...(this.spec.args ?? [])], {
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    installExitHook();
    live.add(child);
    this.child = child;
    this.stopping = false;
    child.once('exit', () => {
      live.delete(child);
      if (!this.stopping) this.crashed = true;
    });
    // Lets a later test process kill this server if this one dies without cleaning up.
    const pidFile = join(this.spec.dir, `${this.spec.name}${SERVER_PID_SUFFIX}`);
    if (child.pid !== undefined) await writeFile(pidFile, String(child.pid));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
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
    await this.signal('SIGKILL');
  }

  /** SIGTERM and wait; SIGKILL when it takes longer than 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = once(child, 'exit');
    this.stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = once(child, 'exit');
    this.stopping = true;
    child.kill(signal);
    await exited;
  }

  async logTail(lines = 30): Promise<string> {
    try {
      return (await readFile(this.logFile, 'utf8')).split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
