/**
 * The agent fault tests' fleet: a nats-server, the control plane in process (5× time, 10 s
 * request timeout) and three agents as processes, so a test can SIGKILL, restart or stop one.
 * The agents, the fleet and NATS are stopped when the test is done.
 */
import type { InProcessFleet } from '../fleet/in-process.js';
import { startInProcessFleet } from '../fleet/in-process.js';
import { startServiceProcess } from '../fleet/processes.js';
import type { ServiceProcess } from '../fleet/processes.js';
import { startNatsServer } from '../natsServer.js';

export interface AgentFleetOptions {
  /** The balancers' policy. */
  readonly policy: string;
  /** The agents' `ADAGEN_LOG_LEVEL`. */
  readonly agentLogLevel: string;
  /** More environment for agent `i` (also when it is started again). */
  readonly agentEnv?: (i: number) => Readonly<Record<string, string>>;
}

/** Starts agent `i` (`agent-<i>`) as a process. */
export type StartAgent = (i: number) => Promise<ServiceProcess>;

export async function withAgentFleet(
  options: AgentFleetOptions,
  test: (fleet: InProcessFleet, agents: ServiceProcess[], start: StartAgent) => Promise<void>,
): Promise<void> {
  await using nats = await startNatsServer();
  const origin = String(Date.now());
  const env = {
    ADAGEN_NATS_SERVERS: nats.url,
    ADAGEN_TIME_SCALE: '5',
    ADAGEN_CLOCK_ORIGIN_MS: origin,
    ADAGEN_LOG_LEVEL: options.agentLogLevel,
  };
  await using fleet = await startInProcessFleet({
    natsUrl: nats.url,
    agents: 0,
    policy: options.policy,
    timeScale: 5,
    env: { ADAGEN_CLOCK_ORIGIN_MS: origin, ADAGEN_REQUEST_TIMEOUT_MS: '10000' },
  });
  const agents: ServiceProcess[] = [];
  const start: StartAgent = (i) =>
    startServiceProcess('agent', {
      ...env,
      ADAGEN_INSTANCE_ID: `agent-${i}`,
      ...options.agentEnv?.(i),
    });
  try {
    for (let i = 0; i < 3; i++) agents.push(await start(i));
    await fleet.waitForAgents(3);
    await test(fleet, agents, start);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}
