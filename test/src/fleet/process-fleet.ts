/**
 * A whole fleet of real service processes over one nats-server: the control services and N
 * agents, each `node services/<name>/dist/main.js` with its own pid (so a test can SIGSTOP,
 * SIGKILL or starve one). Needs the services built.
 */
import { startServiceProcess } from './processes.js';
import type { ServiceName, ServiceProcess } from './processes.js';

export interface ProcessFleetOptions {
  readonly natsUrl: string;
  /** @default 4 */
  readonly agents?: number;
  /** @default 'adagen' */
  readonly policy?: string;
  /** @default 1 */
  readonly timeScale?: number;
  /** Extra `ADAGEN_*` variables for every process. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra variables per agent index. */
  readonly agentEnv?: (index: number) => Readonly<Record<string, string>>;
  /** How long each process may take to become ready (a llama agent loads its model). @default 20000 */
  readonly readyTimeoutMs?: number;
}

export interface ProcessFleet extends AsyncDisposable {
  /** The gateway's OpenAI base URL. */
  readonly url: string;
  readonly gateway: ServiceProcess;
  readonly agents: readonly ServiceProcess[];
  readonly services: readonly ServiceProcess[];
  /** Waits until the balancer sees `count` agents (its `adagen_instances` gauge). */
  waitForAgents(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function gauge(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  } catch {
    return undefined;
  }
}

export async function startProcessFleet(o: ProcessFleetOptions): Promise<ProcessFleet> {
  const env: Record<string, string> = {
    ADAGEN_NATS_SERVERS: o.natsUrl,
    ADAGEN_LOG_LEVEL: 'warn',
    ADAGEN_TIME_SCALE: String(o.timeScale ?? 1),
    ADAGEN_CLOCK_ORIGIN_MS: String(Date.now()),
    ADAGEN_POLICY: o.policy ?? 'adagen',
    ADAGEN_DRAIN_GRACE_MS: '2000',
    ...o.env,
  };
  const all: ServiceProcess[] = [];
  const start = async (name: ServiceName, extra: Record<string, string> = {}) => {
    const p = await startServiceProcess(name, { ...env, ...extra }, o.readyTimeoutMs);
    all.push(p);
    return p;
  };
  const stop = async () => {
    // Gateway first, agents last: the reverse of the start order.
    for (const p of [...all].reverse()) await p.stop();
  };
  try {
    const agents: ServiceProcess[] = [];
    for (let i = 0; i < (o.agents ?? 4); i++)
      agents.push(await start('agent', { ADAGEN_INSTANCE_ID: `agent-${i}`, ...o.agentEnv?.(i) }));
    await start('estimator');
    const balancer = await start('balancer', { ADAGEN_BALANCER_ID: 'bal-0' });
    await start('planner', { ADAGEN_PLANNER_ID: 'plan-0' });
    await start('classifier');
    const gateway = await start('gateway', { ADAGEN_GATEWAY_ID: 'gw-0' });
    const waitForAgents = async (count: number, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      while ((await gauge(balancer.httpPort, 'adagen_instances')) !== count) {
        if (Date.now() > until) throw new Error(`the balancer does not see ${count} agents`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return {
      url: `http://127.0.0.1:${gateway.httpPort}`,
      gateway,
      agents,
      services: all,
      waitForAgents,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
