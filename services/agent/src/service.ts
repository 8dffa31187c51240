/**
 * The agent: one instance. Runs its engine backend (`sim`, `llama`; see backends/), takes dispatches
 * on `adagen.v1.agent.<id>.dispatch`, KV hand-offs on `.kv`, streams tokens and outcomes to the
 * requester's stream subject, publishes completion records, state snapshots and announcements.
 * On stop it drains: announces `draining`, finishes what it holds (up to the grace period),
 * then announces `down`.
 */
import type { Agent, AgentHost } from '@adagen/fleet';
import {
  bodyMatchesSubject,
  agentDispatchSchema,
  agentProbeSchema,
  probeAckSchema,
  completionRecordSchema,
  createCodec,
  dispatchAckSchema,
  kvHandoffNoticeSchema,
  parseSubject,
  requestCancelSchema,
  streamMessageSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import { startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, randomSuffix } from '@adagen/svc-shared';
import { buildAgent } from './backends/index.js';
import type { AgentConfig } from './config.js';
import { agentMetrics } from './metrics.js';
import { CachePublisher } from './cache-publisher.js';
import { StatePublisher } from './publisher.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentRuntime extends ServiceRuntime {
  readonly instanceId: string;
  readonly agent: Agent;
  /** The prefix-cache publisher, when the engine exposes its cache. */
  readonly cache?: CachePublisher;
}

const streamCodec = createCodec(streamMessageSchema, { validateOnEncode: false });
const kvCodec = createCodec(kvHandoffNoticeSchema);
const completionCodec = createCodec(completionRecordSchema);

export async function startAgent(
  config: AgentConfig,
  options: { logger?: Logger } = {},
): Promise<AgentRuntime> {
  const instanceId = config.instanceId ?? `agent-${randomSuffix()}`;
  const clock = fleetClockOf(config);
  const rt = await startRuntime({
    service: {
      name: 'agent',
      version: AGENT_VERSION,
      description: `instance ${instanceId}`,
      queue: `agent-${instanceId}`,
    },
    config,
    instanceId,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const onChange = { publish: (): void => undefined };
  const host: AgentHost = {
    clock,
    setTimer: (delayMs, fn) => {
      const t = setTimeout(fn, clock.wallDelayMs(delayMs));
      return () => clearTimeout(t);
    },
    stream: (subject, m) => rt.nc.publish(subject, streamCodec.encode(m)),
    kv: (to, n) => rt.nc.publish(subjects.kv(to, instanceId), kvCodec.encode(n)),
    completion: (r) => rt.nc.publish(subjects.completion(instanceId), completionCodec.encode(r)),
    changed: () => onChange.publish(),
    warn: (fields, message) => rt.logger.warn(fields, message),
  };
  let agent: Agent;
  let closeEngine: () => Promise<void>;
  try {
    ({ agent, close: closeEngine } = await buildAgent(config, instanceId, host));
  } catch (error) {
    await rt.stop('bad engine configuration');
    throw error;
  }
  const profile = { name: agent.backend.profileName };
  const pub = new StatePublisher({
    nc: rt.nc,
    agent,
    clock,
    periodMs: config.statePeriodMs,
    minGapMs: config.minStateGapMs,
    mode: config.stateMode,
    inStep: config.stateInStep,
    ...(config.fullStateEveryMs === undefined ? {} : { fullEveryMs: config.fullStateEveryMs }),
  });
  if (config.stateOnChange) onChange.publish = () => pub.changed();
  const source = agent.backend.prefixCache;
  const cachePub =
    config.cacheEvents && source !== undefined
      ? new CachePublisher({
          nc: rt.nc,
          instanceId,
          source,
          clock,
          batchPeriodMs: config.cacheEventsPeriodMs,
          snapshotPeriodMs: config.cacheSnapshotPeriodMs,
        })
      : undefined;
  if (source !== undefined && source.blockSize !== config.prefixBlockSize)
    rt.logger.warn(
      { engineBlockSize: source.blockSize, prefixBlockSize: config.prefixBlockSize },
      'the engine reports cache blocks of another size than prefixBlockSize: balancers will ignore its cache events',
    );
  rt.service.addEndpoint('dispatch', subjects.dispatch(instanceId), {
    requestSchema: agentDispatchSchema,
    responseSchema: dispatchAckSchema,
    maxInFlight: 100_000,
    handler: (d, ctx) => {
      const ack = agent.dispatch(d);
      ctx.logger.debug({ requestId: d.requestId, role: d.role, status: ack.status }, 'dispatch');
      return Promise.resolve(ack);
    },
  });
  // "Are you there?" from a gateway whose view of this agent's state is overdue: an answer says
  // slow, not dead (no responder at all means this agent's connection is gone).
  rt.service.addEndpoint('probe', subjects.probe(instanceId), {
    requestSchema: agentProbeSchema,
    responseSchema: probeAckSchema,
    maxInFlight: 1_000,
    handler: () =>
      Promise.resolve({
        v: 1,
        type: 'probe_ack',
        instanceId,
        holding: agent.activeRequests,
        atMs: clock.nowMs(),
      } as const),
  });
  subscribe(rt.nc, wildcards.kvTo(instanceId), {
    schema: kvHandoffNoticeSchema,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (n, ctx) => {
      if (!bodyMatchesSubject(ctx.subject, n)) {
        agent.counts.foreignKv += 1;
        ctx.logger.warn(
          { requestId: n.requestId, fromInstanceId: n.fromInstanceId },
          'KV hand-off notice whose body does not match its subject dropped',
        );
        return Promise.resolve();
      }
      agent.kvNotice(n);
      return Promise.resolve();
    },
  });
  // Cancels from gateways (client gone, retry) and planners (rollback), for every agent: each
  // applies those for requests it holds for the gateway the subject names.
  subscribe(rt.nc, wildcards.cancels, {
    schema: requestCancelSchema,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (c, { subject }) => {
      const parsed = parseSubject(subject);
      if (parsed.ok && parsed.value.kind === 'cancel' && agent.cancel(c, parsed.value.gatewayId))
        rt.logger.debug({ requestId: c.requestId, reason: c.reason }, 'request cancelled');
      return Promise.resolve();
    },
  });
  agentMetrics(rt.registry, agent);
  rt.lifecycle.onStop('agent engine', async () => {
    pub.status = 'draining';
    pub.announce('draining', profile.name);
    pub.publish();
    const before = { ...agent.counts };
    const t0 = Date.now();
    rt.logger.info({ holding: agent.activeRequests }, 'agent draining: no new work');
    const deadline = t0 + config.drainGraceMs;
    while (agent.activeRequests > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const left = agent.activeRequests;
    if (left > 0) rt.logger.warn({ left }, 'drain grace over; failing what is left');
    rt.logger.info(
      {
        finished: agent.counts.finished - before.finished,
        failed: agent.counts.failed - before.failed,
        left,
        drainMs: Date.now() - t0,
      },
      'agent drained',
    );
    agent.stop();
    cachePub?.stop();
    await closeEngine();
    pub.stop();
    pub.announce('down', profile.name);
    if (!rt.nc.isClosed()) await rt.nc.flush();
  });
  await rt.ready();
  pub.start();
  cachePub?.start();
  pub.announce('up', profile.name);
  pub.publish();
  rt.logger.info({ instanceId, profile: profile.name, timeScale: clock.timeScale }, 'agent ready');
  return {
    ...rt,
    stop: (reason?: string) => rt.stop(reason),
    instanceId,
    agent,
    ...(cachePub === undefined ? {} : { cache: cachePub }),
  };
}
