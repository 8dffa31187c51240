import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { decideMode, launcherFor } from './mode.js';
import { freePorts } from './ports.js';
import { NatsProcess } from './process.js';
import { noticeOnce } from './report.js';
import { waitHealthy } from './natsServer.js';
import { WorkDir } from './workdir.js';

export interface NatsClusterOptions {
  /** @default false */
  readonly jetstream?: boolean;
  readonly config?: string;
  /** @default 30000 */
  readonly startTimeoutMs?: number;
}

export interface NatsCluster extends AsyncDisposable {
  /** Client URLs of all nodes, in node order. */
  readonly urls: readonly string[];
  readonly nodes: readonly NatsProcess[];
  /** SIGKILL node `i`, as a crash would. */
  kill(i: number): Promise<void>;
  /** Start node `i` again on its ports and wait until its routes are back. */
  restart(i: number): Promise<void>;
  /** Wait until every running node has routes to every other running node. */
  waitForRoutes(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const routezSchema = z.object({ num_routes: z.number() });

/**
 * Starts `size` nats-servers clustered on loopback (processes or containers, as `decideMode`
 * says; `kill` and `restart` work in place either way) and waits until the full mesh of routes
 * is up.
 */
export async function startNatsCluster(
  size = 3,
  options: NatsClusterOptions = {},
): Promise<NatsCluster> {
  if (size < 2) throw new Error(`a cluster needs at least 2 nodes, got ${size}`);
  const decision = await decideMode();
  const launcher = launcherFor(decision);
  const why = decision.fallbackReason === undefined ? '' : ` — ${decision.fallbackReason}`;
  noticeOnce('cluster-mode', `nats cluster mode: ${launcher.mode} (${launcher.what})${why}`);
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const jetstream = options.jetstream ?? false;
  const dir = await WorkDir.create('nats-cluster');
  const ports = await freePorts(size * 3);
  const clusterPorts = ports.slice(2 * size);
  const nodes = Array.from(
    { length: size },
    (_, i) =>
      new NatsProcess({
        launcher,
        dir: dir.path,
        name: `node${i}`,
        clientPort: ports[i] ?? 0,
        monitorPort: ports[size + i] ?? 0,
        jetstream,
        cluster: {
          name: 'adagen-test',
          port: clusterPorts[i] ?? 0,
          routePorts: clusterPorts.filter((_, j) => j !== i),
        },
        ...(options.config === undefined ? {} : { extraConfig: options.config }),
      }),
  );
  const node = (i: number): NatsProcess => {
    const found = nodes[i];
    if (found === undefined) throw new Error(`no node ${i} in a cluster of ${size}`);
    return found;
  };

  const waitForRoutes = async (timeoutMs = startTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = nodes.filter((n) => n.running);
      const counts = await Promise.all(
        running.map(async (n) => {
          try {
            return routezSchema.parse(await n.fetchJson('/routez')).num_routes;
          } catch {
            return -1;
          }
        }),
      );
      if (counts.every((c) => c >= running.length - 1)) break;
      if (Date.now() > deadline)
        throw new Error(
          `cluster routes not up after ${timeoutMs} ms (routes per node: ${counts.join(', ')})`,
        );
      await sleep(50);
    }
    if (jetstream) for (const n of nodes.filter((m) => m.running)) await waitHealthy(n, timeoutMs);
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      if (nodes.some((n) => n.crashed)) dir.keep('a cluster node crashed');
      await dir.dispose();
    })();
    return stopping;
  };

  try {
    await Promise.all(nodes.map((n) => n.start(startTimeoutMs)));
    await waitForRoutes();
  } catch (error) {
    dir.keep('the cluster failed to start');
    await stop();
    throw error;
  }

  return {
    urls: nodes.map((n) => n.url),
    nodes,
    kill: async (i) => {
      const n = node(i);
      await n.kill();
    },
    restart: async (i) => {
      await node(i).start(startTimeoutMs);
      await waitForRoutes();
    },
    waitForRoutes,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
