/**
 * A fleet spread over host namespaces: one nats-server per host, clustered over routes between
 * the hosts' addresses (JetStream on), and services as processes inside the hosts, each talking
 * to its own host's NATS node. Short route pings, so a pulled cable is noticed in seconds.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServerBinary } from '../binary.js';
import { repoRoot } from '../deploy/manifests.js';
import type { Hosts } from './netns.js';
import type { Relay } from './relay-client.js';

export interface HostProcess {
  readonly label: string;
  readonly host: number;
  /** `http://<host address>:<port>` of its HTTP (ops, or the gateway's API). */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

function spawnIn(
  hosts: Hosts,
  host: number,
  label: string,
  program: readonly string[],
  env: Readonly<Record<string, string>>,
  url: string,
): HostProcess & { child: ChildProcess } {
  const [cmd = '', ...args] = hosts.exec(host);
  const child = spawn(cmd, [...args, ...program], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    label,
    host,
    url,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const NATS_CLIENT_PORT = 4222;
const NATS_MONITOR_PORT = 8222;
const NATS_ROUTE_PORT = 6222;

/** Starts one clustered nats-server per host; resolves when each reports the full mesh. */
export async function startNatsNodes(
  hosts: Hosts,
  relay: Relay,
): Promise<{ nodes: HostProcess[]; dir: string; routesUp(timeoutMs: number): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'adagen-multihost-'));
  const bin = findNatsServerBinary();
  const n = hosts.names.length;
  const nodes: HostProcess[] = [];
  for (let i = 0; i < n; i++) {
    const a = hosts.address(i);
    const routes = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => `"nats-route://${hosts.address(j)}:${NATS_ROUTE_PORT}"`);
    const conf = join(dir, `n${i}.conf`);
    await writeFile(
      conf,
      [
        `server_name: n${i}`,
        `listen: "${a}:${NATS_CLIENT_PORT}"`,
        `http: "${a}:${NATS_MONITOR_PORT}"`,
        'ping_interval: "1s"',
        'ping_max: 3',
        `cluster { name: adagen-multihost, listen: "${a}:${NATS_ROUTE_PORT}", routes: [${routes.join(', ')}] }`,
        `jetstream { store_dir: ${JSON.stringify(join(dir, `js-n${i}`))} }`,
      ].join('\n'),
    );
    nodes.push(
      spawnIn(hosts, i, `nats n${i}`, [bin, '-c', conf], {}, `http://${a}:${NATS_MONITOR_PORT}`),
    );
  }
  const routesUp = async (timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all(
        nodes.map(async (node) => {
          const r = await relay.get(`${node.url}/routez`);
          return r.status === 200 ? (JSON.parse(r.text) as { num_routes: number }).num_routes : -1;
        }),
      );
      if (counts.every((c) => c >= n - 1)) return;
      if (Date.now() > until)
        throw new Error(`routes per node after ${timeoutMs} ms: ${counts.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { nodes, dir, routesUp };
}

export interface ServiceSpec {
  readonly service: 'gateway' | 'classifier' | 'balancer' | 'planner' | 'estimator' | 'agent';
  readonly host: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts a service inside its host on `port`; resolves when its `/readyz` answers 200. */
export async function startServiceIn(
  hosts: Hosts,
  relay: Relay,
  spec: ServiceSpec,
  port: number,
  env: Readonly<Record<string, string>>,
  label: string,
): Promise<HostProcess> {
  const a = hosts.address(spec.host);
  const url = `http://${a}:${port}`;
  const proc = spawnIn(
    hosts,
    spec.host,
    label,
    [process.execPath, join(repoRoot, 'services', spec.service, 'dist', 'main.js')],
    {
      ...env,
      ...spec.env,
      ADAGEN_NATS_SERVERS: `nats://${a}:${NATS_CLIENT_PORT}`,
      ADAGEN_HTTP_HOST: a,
      ADAGEN_HTTP_PORT: String(port),
      ADAGEN_EXIT_WITH_PARENT: '1',
    },
    url,
  );
  const until = Date.now() + 60_000;
  while ((await relay.get(`${url}/readyz`)).status !== 200) {
    if (proc.child.exitCode !== null) throw new Error(`${label} exited:\n${proc.output()}`);
    if (Date.now() > until) {
      await proc.stop();
      throw new Error(`${label} not ready within 60 s:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
