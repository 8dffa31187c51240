/**
 * A whole fleet in this process, over a real nats-server: gateway, classifier, balancer,
 * planner and estimator replicas, and simulated agents (optionally faster than real time).
 * For the integration tests; `adagen up` starts the same services as processes.
 */
import { parseConfig } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { agentConfigSchema, startAgent } from '@adagen/svc-agent';
import type { AgentRuntime } from '@adagen/svc-agent';
import { balancerConfigSchema, startBalancer } from '@adagen/svc-balancer';
import type { BalancerRuntime } from '@adagen/svc-balancer';
import { classifierConfigSchema, startClassifier } from '@adagen/svc-classifier';
import { estimatorConfigSchema, startEstimator } from '@adagen/svc-estimator';
import { gatewayConfigSchema, startGateway } from '@adagen/svc-gateway';
import type { GatewayRuntime } from '@adagen/svc-gateway';
import { plannerConfigSchema, startPlanner } from '@adagen/svc-planner';
import type { PlannerRuntime } from '@adagen/svc-planner';
import type { z } from 'zod';

export interface InProcessFleetOptions {
  readonly natsUrl: string;
  /** @default 2 */
  readonly agents?: number;
  /** Replicas of classifier, balancer and planner. @default 1 */
  readonly replicas?: number;
  /** Each balancer replica a shard of its own (`ADAGEN_SHARDS` = replicas). @default false */
  readonly balancerShards?: boolean;
  /** @default 'round-robin' */
  readonly policy?: string;
  /** Fleet ms per wall ms. @default 1 */
  readonly timeScale?: number;
  /** Extra `ADAGEN_*` variables for every service. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra variables per agent index. */
  readonly agentEnv?: (index: number) => Readonly<Record<string, string>>;
  /** Extra variables per service and replica (e.g. each its own NATS credentials). */
  readonly serviceEnv?: (service: string, index: number) => Readonly<Record<string, string>>;
  /** Logger per service (default: silent). */
  readonly loggerFor?: (service: string) => Logger;
}

export interface InProcessFleet extends AsyncDisposable {
  readonly gateway: GatewayRuntime;
  readonly classifiers: readonly ServiceRuntime[];
  readonly balancers: readonly BalancerRuntime[];
  readonly planners: readonly PlannerRuntime[];
  readonly estimator: ServiceRuntime;
  readonly agents: readonly AgentRuntime[];
  readonly url: string;
  /**
   * Resolves once every balancer and planner sees `count` agents (sharded balancers: once their
   * shares add up to `count`, each holding some).
   */
  waitForAgents(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessFleet(o: InProcessFleetOptions): Promise<InProcessFleet> {
  const env: Record<string, string> = {
    ADAGEN_NATS_SERVERS: o.natsUrl,
    ADAGEN_LOG_LEVEL: 'silent',
    ADAGEN_HTTP_HOST: '127.0.0.1',
    ADAGEN_HTTP_PORT: '0',
    ADAGEN_TIME_SCALE: String(o.timeScale ?? 1),
    ADAGEN_CLOCK_ORIGIN_MS: String(Date.now()),
    ADAGEN_POLICY: o.policy ?? 'round-robin',
    ADAGEN_DRAIN_GRACE_MS: '2000',
    // Tests place every request unless they test admission control (faults/overload sets
    // `slo`): on a busy CI box the real-time agents fall behind and a burst is predicted to
    // miss its TTFT by a few ms, which admission would rightly shed — and the test is not
    // about that.
    ADAGEN_ADMISSION: 'off',
    ...o.env,
  };
  const cfg = <S extends z.ZodObject>(
    schema: S,
    extra: Record<string, string> = {},
    who: [string, number] = ['', 0],
  ) => parseConfig(schema, { env: { ...env, ...extra, ...o.serviceEnv?.(...who) } });
  const started: ServiceRuntime[] = [];
  const log = (service: string) => {
    const logger = o.loggerFor?.(service);
    return logger === undefined ? {} : { logger };
  };
  const keep = <T extends ServiceRuntime>(rt: T): T => {
    started.push(rt);
    return rt;
  };
  const stop = async () => {
    for (const rt of [...started].reverse()) await rt.stop('test over');
  };
  try {
    const n = o.agents ?? 2;
    const agents: AgentRuntime[] = [];
    for (let i = 0; i < n; i++)
      agents.push(
        keep(
          await startAgent(
            cfg(agentConfigSchema, { ADAGEN_INSTANCE_ID: `agent-${i}`, ...o.agentEnv?.(i) }, [
              'agent',
              i,
            ]),
            log('agent'),
          ),
        ),
      );
    const r = o.replicas ?? 1;
    const planners: PlannerRuntime[] = [];
    const balancers: BalancerRuntime[] = [];
    const classifiers: ServiceRuntime[] = [];
    for (let i = 0; i < r; i++)
      planners.push(
        keep(
          await startPlanner(
            cfg(plannerConfigSchema, { ADAGEN_PLANNER_ID: `plan-${i}` }, ['planner', i]),
            log('planner'),
          ),
        ),
      );
    for (let i = 0; i < r; i++)
      balancers.push(
        keep(
          await startBalancer(
            cfg(
              balancerConfigSchema,
              {
                ADAGEN_BALANCER_ID: `bal-${i}`,
                ...(o.balancerShards === true
                  ? { ADAGEN_SHARDS: String(r), ADAGEN_SHARD: String(i) }
                  : {}),
              },
              ['balancer', i],
            ),
            log('balancer'),
          ),
        ),
      );
    for (let i = 0; i < r; i++)
      classifiers.push(
        keep(
          await startClassifier(
            cfg(classifierConfigSchema, {}, ['classifier', i]),
            log('classifier'),
          ),
        ),
      );
    const estimator = keep(
      await startEstimator(cfg(estimatorConfigSchema, {}, ['estimator', 0]), log('estimator')),
    );
    const gateway = keep(
      await startGateway(
        cfg(gatewayConfigSchema, { ADAGEN_GATEWAY_ID: 'gw-test' }, ['gateway', 0]),
        log('gateway'),
      ),
    );
    const waitForAgents = async (count: number, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      const views = [...balancers.map((b) => b.view), ...planners.map((p) => p.view)];
      const shares = balancers.map((b) => b.view);
      const seen = () =>
        o.balancerShards === true
          ? planners.every((p) => p.view.size === count) &&
            shares.every((v) => v.size > 0) &&
            shares.reduce((a, v) => a + v.size, 0) === count
          : views.every((v) => v.size === count);
      while (!seen()) {
        if (Date.now() > until)
          throw new Error(
            `agents in views: ${views.map((v) => v.size).join(', ')}; wanted ${count}${o.balancerShards === true ? ' (balancers’ shares adding up to it)' : ''}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitForAgents(n);
    return {
      gateway,
      classifiers,
      balancers,
      planners,
      estimator,
      agents,
      url: gateway.url,
      waitForAgents,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
