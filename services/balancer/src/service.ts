/**
 * The balancer: places each classified request on an agent with the policy's balance step, from
 * its view of the agents (their snapshots plus placements not visible in them yet, its own and
 * its peers'), then asks `svc.plan` and tells its peers what the agents' states cannot: where it
 * put a prompt's prefix on an agent that sends no cache events (see the notices below).
 */
import { performance } from 'node:perf_hooks';
import type { FleetView } from '@adagen/fleet';
import {
  admission,
  backlogMs,
  classificationFromWire,
  decisionRecord,
  contextLimit,
  fitToContext,
  noticesFor,
  pendingOf,
  placementToWire,
  sloTargets,
} from '@adagen/fleet';
import type { DecisionInput } from '@adagen/fleet';
import {
  AdagenError,
  classificationSchema,
  createCodec,
  decisionRecordSchema,
  placementNoticeSchema,
  placementSchema,
  planResultSchema,
  shardAnswerSchema,
  shardOfferSchema,
  subjects,
} from '@adagen/protocol';
import type {
  Classification,
  PlacementNotice,
  PlanResult,
  ShardAnswer,
  ShardOffer,
  Placement as WirePlacement,
} from '@adagen/protocol';
import { childLogger, isNoResponders, request } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import {
  DEFAULT_ADMISSION,
  NoReadyInstanceError,
  OfferGate,
  admissionMode,
  otherShard,
} from '@adagen/scheduler';
import { Counter } from 'prom-client';
import type { AdmissionOptions, Placement } from '@adagen/scheduler';
import { randomSuffix, sloSpecOf, startPolicyService } from '@adagen/svc-shared';
import type { BalancerConfig } from './config.js';
import { watchPrefixCaches } from './prefix.js';
import type { BalancerPrefix } from './prefix.js';

export const BALANCER_VERSION = '0.1.0';

export interface BalancerRuntime extends ServiceRuntime {
  readonly balancerId: string;
  readonly view: FleetView;
  /** Where prompts' prefixes are cached, as this replica knows it. */
  readonly prefix: BalancerPrefix;
}

/** This replica's shard and their count. */
interface ShardOf {
  readonly shard: number;
  readonly shards: number;
}

/** A balance decision on this replica's view, not acted on yet. */
interface Decision {
  readonly c: Classification;
  readonly nowMs: number;
  readonly placement: Placement;
  readonly policy: string;
  readonly decideMs: number;
}

export async function startBalancer(
  config: BalancerConfig,
  options: { logger?: Logger } = {},
): Promise<BalancerRuntime> {
  const balancerId = config.balancerId ?? `bal-${randomSuffix()}`;
  const peerNotices: { apply: (n: PlacementNotice) => void } = { apply: () => undefined };
  const { rt, host, view, clock, metrics, shards } = await startPolicyService(
    config,
    { name: 'balancer', version: BALANCER_VERSION, description: 'layout-aware placement' },
    balancerId,
    {
      logger: options.logger,
      selfId: balancerId,
      onNotice: (n) => peerNotices.apply(n),
      shard: { shards: config.shards, shard: config.shard },
    },
  );
  const prefix = watchPrefixCaches(rt, clock, config, (id) => view.prefixCaching(id), shards);
  peerNotices.apply = (n) => prefix.notice(n);
  const noticeCodec = createCodec(placementNoticeSchema);
  const decisionCodec = createCodec(decisionRecordSchema);
  /** One decision record per balance decision, for dashboards and the capacity recommender. */
  const publishDecision = (
    c: Classification,
    d: Omit<
      DecisionInput,
      | 'balancerId'
      | 'requestId'
      | 'attempt'
      | 'promptTokens'
      | 'predictedOutputTokens'
      | 'maxTokens'
    >,
    log: Logger,
  ): void => {
    try {
      const record = decisionRecord({
        ...d,
        balancerId,
        requestId: c.request.requestId,
        attempt: c.request.attempt,
        promptTokens: c.promptTokens,
        predictedOutputTokens: c.predictedOutputTokens,
        ...(c.request.maxTokens === undefined ? {} : { maxTokens: c.request.maxTokens }),
      });
      rt.nc.publish(subjects.decisions(balancerId), decisionCodec.encode(record));
    } catch (error) {
      log.warn({ err: error }, 'decision record not published');
    }
  };
  const slo = sloSpecOf(config);
  const admissionOptions: AdmissionOptions = {
    ...DEFAULT_ADMISSION,
    mode: admissionMode(config.admission) ?? 'none',
    slack: config.admissionSlack,
    maxQueue: config.admissionMaxQueue,
  };
  const admissions = new Counter({
    name: 'adagen_admission_total',
    help: 'Admission decisions: admitted, or shed with the reason (slo: hopeless by the slack bound; queue: every instance full; policy: strict mode and the policy predicts a miss everywhere; saturation: every instance saturated)',
    labelNames: ['outcome', 'reason'],
    registers: [rt.registry],
  });

  /** Admission control (packages/scheduler/src/admission.ts), the same for every policy. */
  const admit = (
    placement: Placement,
    c: Classification,
    nowMs: number,
    policy: string,
    decideMs: number,
    log: Logger,
    spill: string | undefined,
  ): { ttftMs: number; tpotMs: number } => {
    const cluster = view.cluster(nowMs);
    const chosen = cluster.instances.find((v) => v.id === placement.instanceId);
    const request = {
      promptTokens: c.promptTokens,
      ...(c.request.slo ? { slo: c.request.slo } : {}),
    };
    const targets = sloTargets(slo, request, chosen);
    const verdict = admission(admissionOptions, cluster, {
      promptTokens: c.promptTokens,
      ttftTargetMs: targets.ttftMs,
      hopeless: placement.hopeless === true,
      ...(c.request.priority === undefined ? {} : { priority: c.request.priority }),
    });
    if (verdict.admit) return targets; // counted after the plan (not on the request's way)
    admissions.inc({ outcome: 'shed', reason: verdict.reason });
    publishDecision(
      c,
      {
        atMs: nowMs,
        policy,
        slo: targets,
        outcome: 'shed',
        placement,
        why: verdict.why,
        errorCode: 'overloaded',
        decideMs,
        ...(spill === undefined ? {} : { spill }),
      },
      log,
    );
    metrics.decisionSeconds.observe({ step: 'balance', policy }, decideMs / 1000);
    metrics.decisions.inc({ step: 'balance', policy, outcome: 'overloaded' });
    const waitMs = clock.wallDelayMs(backlogMs(cluster));
    throw new AdagenError(
      'overloaded',
      `the fleet is at capacity: ${verdict.why}; retry in ${Math.max(1, Math.ceil(waitMs / 1000))} s`,
      { retryAfterMs: waitMs },
    );
  };

  /**
   * The prediction's engine part: less the time already spent and the control delay the policy
   * predicted with (measured on the fleet once placements are seen, else the configured one).
   */
  const withEnginePart = (wire: WirePlacement, nowMs: number): WirePlacement => {
    if (wire.predicted === undefined) return wire;
    const delayMs = view.controlDelayMs() ?? config.controlDelayMs;
    const spentMs = nowMs - wire.classification.request.receivedAtMs + delayMs;
    return { ...wire, predictedEngineTtftMs: Math.max(0, wire.predicted.ttftMs - spentMs) };
  };

  /** The cap on generated tokens, checked against the context before anything is placed. */
  const withContext = (c: Classification, nowMs: number): Classification => {
    const maxTokens = fitToContext(
      c.promptTokens,
      c.request.maxTokens,
      contextLimit(view.cluster(nowMs)),
    );
    return maxTokens === c.request.maxTokens ? c : { ...c, request: { ...c.request, maxTokens } };
  };

  const place = (c: Classification, nowMs: number): { placement: Placement; policy: string } => {
    const policy = host.forView(view);
    if (policy === undefined)
      throw new AdagenError('no_instance', 'no agent is up (none in the balancer’s view)');
    try {
      return {
        placement: policy.balancer.place(
          classificationFromWire(c),
          prefix.withCaches(view.cluster(nowMs)),
        ),
        policy: policy.name,
      };
    } catch (error) {
      if (error instanceof NoReadyInstanceError)
        throw new AdagenError('no_instance', error.message, { cause: error });
      throw error;
    }
  };

  const decide = (asked: Classification): Decision => {
    const t0 = performance.now();
    const nowMs = clock.nowMs();
    const c = withContext(asked, nowMs);
    const { placement, policy } = place(c, nowMs);
    return { c, nowMs, placement, policy, decideMs: performance.now() - t0 };
  };

  /**
   * Acts on a decision: admission, the pending placement, the plan, notices, the record (with
   * what became of the shard offer, if any).
   */
  const commit = async (d: Decision, log: Logger, spill?: string): Promise<PlanResult> => {
    const { c, nowMs, placement, policy, decideMs } = d;
    const requestId = c.request.requestId;
    const cached = prefix.matches(c.prefix, view.cluster(nowMs));
    const cachedTokens = Math.min(
      (cached?.blocks.get(placement.instanceId) ?? 0) * config.prefixBlockSize,
      Math.max(0, c.promptTokens - 1),
    );
    const targets = admit(placement, c, nowMs, policy, decideMs, log, spill);
    view.addPending(placement.instanceId, {
      requestId,
      atMs: nowMs,
      role: 'full',
      promptTokens: c.promptTokens,
      predictedOutputTokens: c.predictedOutputTokens,
      ...(c.request.maxTokens === undefined ? {} : { maxTokens: c.request.maxTokens }),
      ...(cachedTokens > 0 ? { cachedTokens } : {}),
    });
    log.debug({ instanceId: placement.instanceId, decideMs, cachedTokens }, 'placed');
    const timeoutMs = clock.wallDelayMs(c.request.deadlineAtMs - clock.nowMs());
    const result =
      timeoutMs > 0
        ? await request(
            rt.nc,
            subjects.plan,
            placementSchema,
            planResultSchema,
            withEnginePart(placementToWire(placement, c, policy, decideMs), nowMs),
            { timeoutMs },
          )
        : {
            ok: false as const,
            error: new AdagenError('deadline_exceeded', 'deadline passed before planning'),
          };
    const notices = result.ok ? noticesFor(result.value.plan, balancerId, c, nowMs) : [];
    // When the plan runs the request whole where it was placed, the pending placement made above
    // stands as it is (its notice below is the same placement): not dropped and added again, which
    // would make every estimator rebuild its cached state of that agent.
    const stands = notices.some(
      (n) =>
        n.instanceId === placement.instanceId &&
        (n.role ?? 'full') === 'full' &&
        n.startToken === undefined,
    );
    if (!stands) view.dropPending(requestId);
    // Metrics after the plan: not on the request's way to its agent.
    admissions.inc({ outcome: 'admitted', reason: '' });
    metrics.decisionSeconds.observe({ step: 'balance', policy }, decideMs / 1000);
    metrics.decisions.inc({
      step: 'balance',
      policy,
      outcome: result.ok ? 'ok' : result.error.code,
    });
    publishDecision(
      c,
      {
        atMs: nowMs,
        policy,
        slo: targets,
        outcome: result.ok ? 'placed' : 'failed',
        placement,
        decideMs,
        ...(spill === undefined ? {} : { spill }),
        ...(cached === undefined ? {} : { cached }),
        ...(result.ok
          ? {
              plan: result.value.plan,
              ...(result.value.predicted ? { planPredicted: result.value.predicted } : {}),
            }
          : { why: result.error.message, errorCode: result.error.code }),
      },
      log,
    );
    if (!result.ok) {
      // The planner found the agent gone (nobody serves its dispatch subject): stop placing on
      // it now rather than when its snapshots go stale, so the gateway's retry lands elsewhere.
      // (For a distributed plan the gone agent may be another of the plan's; the one dropped
      // here comes back with its next snapshot.)
      if (result.error.code === 'instance_failed' && view.remove(placement.instanceId))
        log.warn({ instanceId: placement.instanceId }, 'agent unreachable: out of placement');
      throw result.error;
    }
    for (const notice of notices) {
      const pending = pendingOf(notice);
      if (notice.instanceId === placement.instanceId && cachedTokens > 0)
        pending.cachedTokens = cachedTokens;
      view.addPending(notice.instanceId, pending);
      // Peers index the prompt's blocks from the notice where the agent caches and sends no events.
      if (
        c.prefix !== undefined &&
        c.prefix.blockHashes.length > 0 &&
        prefix.learnedFromPlacements(notice.instanceId)
      )
        notice.prefix = c.prefix;
      if (notice.role === 'full' || notice.role === 'prefill')
        prefix.placed(notice.instanceId, c.prefix, nowMs);
      // Only a notice that carries what peers cannot learn from the agent goes out. The
      // placement itself they learn from the agent's state, which it publishes as it accepts
      // (when `minStateGapMs` has passed since its last) and which so reaches them before this
      // plan result has come back here. A notice per decision made every replica wake for every
      // decision in the fleet and rebuild its estimate of the agent twice (the notice's pending
      // placement, then the state showing it): the cost that kept 2 replicas from 2× the
      // decisions of one (docs/PERFORMANCE.md, "Balancer replicas").
      if (notice.prefix !== undefined)
        rt.nc.publish(subjects.placements(balancerId), noticeCodec.encode(notice));
    }
    return {
      ...result.value,
      policy,
      decisionMs: { ...result.value.decisionMs, balance: decideMs },
    };
  };

  /**
   * Shard spill. A shard that predicts a miss on every one of its agents (the policy's
   * `hopeless`; AdaGen's balance step predicts it, policies that predict nothing never spill)
   * offers the request to one other shard at random, which takes it when it predicts a hit
   * there; else this shard places it as it decided. One offer per request, never passed on.
   *
   * Each offer costs the other shard a decision, so offers mostly declined are held back
   * (`OfferGate`, shared with the simulator).
   */
  const spills = new Counter({
    name: 'adagen_shard_spills_total',
    help: 'Requests offered between balancer shards. side=offered (this shard found every agent of its own hopeless): taken, declined (the other shard predicts a miss too), unreachable (no replica of that shard answers), failed (it took the request and its plan failed), held (not offered: recent offers were mostly declined). side=received: taken or declined',
    labelNames: ['side', 'outcome'],
    registers: [rt.registry],
  });

  const gate = new OfferGate();

  /**
   * Offers a hopeless decision to another shard: its result if taken, else what became of the
   * offer (for this shard's decision record).
   */
  const offer = async (
    d: Decision,
    log: Logger,
    { shard: own, shards: count }: ShardOf,
  ): Promise<PlanResult | string> => {
    if (!gate.offer(Math.random())) {
      spills.inc({ side: 'offered', outcome: 'held' });
      return "held back, not offered: fewer than half of this shard's recent offers were taken";
    }
    const to = otherShard(own, count, Math.random());
    const timeoutMs = clock.wallDelayMs(d.c.request.deadlineAtMs - clock.nowMs());
    if (timeoutMs <= 0) return "not offered: the request's deadline has passed";
    const answer = await request(
      rt.nc,
      subjects.shardBalance(to),
      shardOfferSchema,
      shardAnswerSchema,
      { v: 1, type: 'shard_offer', fromShard: own, balancerId, classification: d.c },
      { timeoutMs },
    );
    if (!answer.ok) {
      // No replica of that shard is up: nothing was dispatched there. (Any other failure may
      // come after it dispatched, so it is not placed here as well.)
      if (isNoResponders(answer.error)) {
        gate.answered(false);
        spills.inc({ side: 'offered', outcome: 'unreachable' });
        log.warn({ shard: to }, 'no replica of the shard offered to: placed here');
        return `offered to shard ${to}, where no replica answered`;
      }
      // It may have dispatched the request: the gateway's retry cancels the attempt everywhere.
      spills.inc({ side: 'offered', outcome: 'failed' });
      throw answer.error;
    }
    gate.answered(answer.value.taken);
    spills.inc({ side: 'offered', outcome: answer.value.taken ? 'taken' : 'declined' });
    if (!answer.value.taken) {
      log.debug({ shard: to, why: answer.value.why }, 'offer declined');
      return `offered to shard ${to}, which declined: ${answer.value.why}`;
    }
    log.debug({ shard: to }, 'offer taken');
    return answer.value.result;
  };

  const balance = async (asked: Classification, logger: Logger): Promise<PlanResult> => {
    const log = childLogger(logger, { requestId: asked.request.requestId });
    const d = decide(asked);
    let spill: string | undefined;
    if (d.placement.hopeless === true && shards !== undefined && config.shardSpill) {
      const offered = await offer(d, log, shards);
      if (typeof offered !== 'string') return offered;
      spill = offered;
    }
    return commit(d, log, spill);
  };

  /** Another shard's offer: taken if this shard predicts a hit on one of its agents. */
  const takeOffer = async (
    o: ShardOffer,
    logger: Logger,
    { shard }: ShardOf,
  ): Promise<ShardAnswer> => {
    const requestId = o.classification.request.requestId;
    const log = childLogger(logger, { requestId });
    const decline = (why: string): ShardAnswer => {
      spills.inc({ side: 'received', outcome: 'declined' });
      return { v: 1, type: 'shard_answer', requestId, taken: false, why };
    };
    let d: Decision;
    try {
      d = decide(o.classification);
    } catch (error) {
      if (error instanceof AdagenError && error.code === 'no_instance')
        return decline(`shard ${shard} has no agent: ${error.message}`);
      throw error;
    }
    if (d.placement.hopeless === true)
      return decline(`predicted to miss its SLO on all ${view.size} agents of shard ${shard}`);
    spills.inc({ side: 'received', outcome: 'taken' });
    log.debug({ fromShard: o.fromShard, from: o.balancerId }, 'offer taken');
    const spill = `taken from shard ${o.fromShard} (${o.balancerId}), which predicted a miss on all its agents`;
    return {
      v: 1,
      type: 'shard_answer',
      requestId,
      taken: true,
      result: await commit(d, log, spill),
    };
  };

  rt.service.addEndpoint('balance', subjects.balance, {
    requestSchema: classificationSchema,
    responseSchema: planResultSchema,
    maxInFlight: config.maxInFlight,
    handler: (c, ctx) => balance(c, ctx.logger),
  });
  if (shards !== undefined)
    rt.service.addEndpoint('offer', subjects.shardBalance(shards.shard), {
      requestSchema: shardOfferSchema,
      responseSchema: shardAnswerSchema,
      maxInFlight: config.maxInFlight,
      handler: (o, ctx) => takeOffer(o, ctx.logger, shards),
    });
  await rt.ready();
  rt.logger.info({ balancerId, policy: config.policy }, 'balancer ready');
  return { ...rt, stop: (reason?: string) => rt.stop(reason), balancerId, view, prefix };
}
