/**
 * Executing the plans a policy returns, with the engine's primitives:
 * - `single`: one `full` item.
 * - `pd-split`: a `prefill` item on A (it emits the first token); when A reports the prefill
 *   done, the KV travels over the link (`kvTransferMs`); on arrival A `release`s its blocks and B
 *   gets a `decode` item with `generatedTokens = 1`.
 * - `split-prefill`: `segment` items on every segment instance at once; when the last segment
 *   finishes the first token is emitted there, and after the gather delay (the segments' KV sent
 *   to the decode instance) the segment instances release their blocks and the decode instance
 *   gets a `decode` item with `generatedTokens = 1`.
 * A request with a single output token needs no decode item: the hand-off only releases blocks.
 */
import type { Link, WorkItem } from '@adagen/engine';
import { kvTransferMs, LinkPresets } from '@adagen/engine';
import type { Decision, PendingPlacement, Policy } from '@adagen/scheduler';
import { cachedTokensOn } from '@adagen/scheduler';
import type { TraceRequest } from '@adagen/workloads';
import type { EventQueue } from './event-queue.js';
import type { InstanceSlot } from './instances.js';
import type { RequestMetrics } from './metrics.js';
import type { RequestPrefixes } from './prefixes.js';
import type { SimEvent } from './simulation.js';
import type { StaleView } from './staleness.js';

/** What the executor needs from the simulation loop. */
export interface PlanHost {
  readonly queue: EventQueue<SimEvent>;
  readonly metrics: RequestMetrics;
  readonly slots: readonly InstanceSlot[];
  /** The views of the balancer replica that decided request `r` (its pending placements). */
  viewsFor(r: number): readonly StaleView[];
  readonly slotById: ReadonlyMap<string, number>;
  readonly requests: readonly TraceRequest[];
  readonly policy: Policy;
  readonly prefixes: RequestPrefixes;
  readonly config: { kvLink: string };
  readonly nowMs: number;
  touch(slot: number): void;
  kick(slot: number): void;
  emitToken(req: number, index: number, atMs: number): void;
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
  readonly code = 'invalid-plan' as const;
}

export class PlanExecutor {
  private readonly decisions: Array<Decision | undefined>;
  private readonly segmentsLeft: Int32Array;
  private readonly lastSegmentMs: Float64Array;
  private readonly link: Link;

  constructor(private readonly host: PlanHost) {
    const n = host.requests.length;
    this.decisions = new Array<Decision | undefined>(n);
    this.segmentsLeft = new Int32Array(n);
    this.lastSegmentMs = new Float64Array(n);
    const link = (LinkPresets as Readonly<Record<string, Link>>)[host.config.kvLink];
    if (!link) {
      throw new RangeError(
        `unknown KV link preset "${host.config.kvLink}" (known: ${Object.keys(LinkPresets).join(', ')})`,
      );
    }
    this.link = link;
  }

  private slot(id: string, r: number): number {
    const s = this.host.slotById.get(id);
    if (s === undefined) {
      throw new PlanError(
        `policy "${this.host.policy.name}" placed request ${this.host.requests[r]!.id} on unknown instance "${id}"`,
      );
    }
    return s;
  }

  /** Validate the decision, record it, and add pending placements to the instances' views. */
  decided(r: number, d: Decision): void {
    const req = this.host.requests[r]!;
    const predicted = d.placement.classification.predictedOutputTokens;
    const base = {
      requestId: req.id,
      atMs: this.host.nowMs,
      promptTokens: req.promptTokens,
      predictedOutputTokens: predicted,
    };
    const request = d.placement.classification.request;
    const add = (id: string, p: Omit<PendingPlacement, keyof typeof base>) => {
      const view = this.host.viewsFor(r)[this.slot(id, r)]!;
      // What the policy could know: the prompt tokens the instance's index holds now.
      const cachedTokens =
        p.role === 'full' || p.role === 'prefill' ? cachedTokensOn(request, view.view) : 0;
      view.addPending({ ...base, ...p, ...(cachedTokens > 0 ? { cachedTokens } : {}) });
    };
    const plan = d.plan;
    switch (plan.kind) {
      case 'single':
        add(plan.instanceId, { role: 'full' });
        break;
      case 'pd-split':
        if (plan.prefillInstanceId === plan.decodeInstanceId) {
          throw new PlanError(`pd-split of ${req.id} uses one instance for both phases`);
        }
        add(plan.prefillInstanceId, { role: 'prefill' });
        add(plan.decodeInstanceId, { role: 'decode' });
        break;
      case 'split-prefill': {
        checkSegments(plan.segments, req);
        for (const seg of plan.segments) {
          add(seg.instanceId, {
            role: 'segment',
            startToken: seg.startToken,
            endToken: seg.endToken,
          });
        }
        add(plan.decodeInstanceId, { role: 'decode' });
        this.segmentsLeft[r] = plan.segments.length;
        break;
      }
    }
    this.host.metrics.setPlan(
      r,
      plan.kind,
      this.slot(d.placement.instanceId, r),
      plan.kind === 'single' ? -1 : this.slot(plan.decodeInstanceId, r),
    );
    this.decisions[r] = d;
  }

  /** The request reaches its instance(s) after the control-plane delay. */
  deliver(r: number): void {
    const d = this.decisions[r];
    if (d === undefined) return; // abandoned before it reached its instance(s)
    const req = this.host.requests[r]!;
    const meta = {
      predictedOutputTokens: d.placement.classification.predictedOutputTokens,
      originArrivalMs: req.arrivalMs,
    };
    const plan = d.plan;
    switch (plan.kind) {
      case 'single':
        this.enqueue(plan.instanceId, r, {
          kind: 'full',
          id: req.id,
          promptTokens: req.promptTokens,
          outputTokens: req.outputTokens,
          meta,
          ...this.prefixOn(plan.instanceId, r),
        });
        break;
      case 'pd-split':
        this.enqueue(plan.prefillInstanceId, r, {
          kind: 'prefill',
          id: req.id,
          promptTokens: req.promptTokens,
          meta,
          ...this.prefixOn(plan.prefillInstanceId, r),
        });
        break;
      case 'split-prefill':
        for (const seg of plan.segments) {
          this.enqueue(seg.instanceId, r, {
            kind: 'segment',
            id: req.id,
            promptTokens: req.promptTokens,
            startToken: seg.startToken,
            endToken: seg.endToken,
            meta,
          });
        }
        break;
    }
  }

  /** The prompt's block hashes at the instance's block size, when it caches prefixes. */
  private prefixOn(instanceId: string, r: number): { prefix?: { blockHashes: readonly number[] } } {
    const config = this.host.slots[this.slot(instanceId, r)]!.instance.config;
    if (!config.enablePrefixCaching) return {};
    const p = this.host.prefixes.of(r, config.blockSize);
    return p === undefined ? {} : { prefix: { blockHashes: p.blockHashes } };
  }

  private enqueue(instanceId: string, r: number, item: WorkItem): void {
    const s = this.slot(instanceId, r);
    const host = this.host;
    host.touch(s);
    host.slots[s]!.instance.enqueue(item, host.nowMs);
    host.viewsFor(r)[s]!.delivered(item.id, host.nowMs);
    host.kick(s);
  }

  /** A `prefill` or `segment` item finished on slot `s` (called from the engine's observer). */
  prefillDone(s: number, r: number, atMs: number, kvTokens: number): void {
    const plan = this.decisions[r]?.plan;
    if (this.host.metrics.rejected[r] === 1) return;
    if (plan === undefined || plan.kind === 'single') return;
    const req = this.host.requests[r]!;
    if (plan.kind === 'pd-split') {
      const from = this.host.slots[this.slot(plan.prefillInstanceId, r)]!;
      const transferMs =
        req.outputTokens > 1 ? kvTransferMs(kvTokens, from.kvBytesPerToken, this.link) : 0;
      this.host.queue.push(atMs + transferMs, { type: 'handoff', req: r });
      return;
    }
    // The engine's split-prefill model: segment j also receives the KV of [0, startⱼ) for its
    // attention, done after its compute (no overlap).
    const seg = plan.segments.find((g) => g.instanceId === this.host.slots[s]!.id)!;
    const receiveMs = kvTransferMs(seg.startToken, this.host.slots[s]!.kvBytesPerToken, this.link);
    this.lastSegmentMs[r] = Math.max(this.lastSegmentMs[r]!, atMs + receiveMs);
    if (--this.segmentsLeft[r]! > 0) return;
    const last = this.lastSegmentMs[r];
    // The engine's last-position segment emits token 0 when *it* finishes; the first token
    // needs every segment's KV, so the simulator records it when the last one completes.
    this.host.emitToken(r, 0, last);
    // Gather: every segment not computed on the decode instance sends its KV there.
    let remoteTokens = 0;
    for (const seg of plan.segments) {
      if (seg.instanceId !== plan.decodeInstanceId) remoteTokens += seg.endToken - seg.startToken;
    }
    const bytes = this.host.slots[this.slot(plan.decodeInstanceId, r)]!.kvBytesPerToken;
    const gatherMs = req.outputTokens > 1 ? kvTransferMs(remoteTokens, bytes, this.link) : 0;
    this.host.queue.push(last + gatherMs, { type: 'handoff', req: r });
  }

  /** The KV reached the decode instance: free the sources, start decoding. */
  handoff(r: number): void {
    const d = this.decisions[r];
    if (d === undefined) return; // rejected meanwhile
    const plan = d.plan;
    const req = this.host.requests[r]!;
    const release = (instanceId: string) => {
      const s = this.slot(instanceId, r);
      this.host.touch(s);
      this.host.slots[s]!.instance.release(req.id);
      this.host.kick(s);
    };
    if (plan.kind === 'pd-split') release(plan.prefillInstanceId);
    else if (plan.kind === 'split-prefill')
      for (const seg of plan.segments) release(seg.instanceId);
    else return;
    if (req.outputTokens <= 1) {
      const views = this.host.viewsFor(r);
      views[this.slot(plan.decodeInstanceId, r)]!.delivered(req.id, this.host.nowMs);
      return;
    }
    this.enqueue(plan.decodeInstanceId, r, {
      kind: 'decode',
      id: req.id,
      promptTokens: req.promptTokens,
      outputTokens: req.outputTokens,
      generatedTokens: 1,
      meta: {
        predictedOutputTokens: d.placement.classification.predictedOutputTokens,
        originArrivalMs: req.arrivalMs,
      },
    });
  }

  /** True when the engine's own token 0 for `r` is to be ignored (split prefill). */
  ownsFirstToken(r: number): boolean {
    return this.decisions[r]?.plan.kind === 'split-prefill';
  }

  /**
   * An instance dropped part of `r` (it can never run there), or its client gave up: cancel the
   * plan on every instance (freeing its queue slot and KV) and let them use what it held.
   */
  rejected(r: number): void {
    const d = this.decisions[r];
    if (!d) return;
    const id = this.host.requests[r]!.id;
    const ids =
      d.plan.kind === 'single'
        ? [d.plan.instanceId]
        : d.plan.kind === 'pd-split'
          ? [d.plan.prefillInstanceId, d.plan.decodeInstanceId]
          : [...d.plan.segments.map((s) => s.instanceId), d.plan.decodeInstanceId];
    this.decisions[r] = undefined;
    for (const instanceId of new Set(ids)) {
      const s = this.slot(instanceId, r);
      this.host.touch(s);
      this.host.slots[s]!.instance.cancel(id);
      this.host.viewsFor(r)[s]!.delivered(id, this.host.nowMs);
      this.host.kick(s);
    }
  }

  completed(r: number): void {
    // Distributed requests may still need the plan for a pending hand-off/release.
    if (this.decisions[r]?.plan.kind === 'single') this.decisions[r] = undefined;
  }
}

function checkSegments(
  segments: ReadonlyArray<{ instanceId: string; startToken: number; endToken: number }>,
  req: TraceRequest,
): void {
  let next = 0;
  const ids = new Set<string>();
  for (const seg of segments) {
    if (seg.startToken !== next || seg.endToken <= seg.startToken) {
      throw new PlanError(
        `split-prefill of ${req.id}: segments must be contiguous and non-empty from 0 (got [${seg.startToken}, ${seg.endToken}) after ${next})`,
      );
    }
    if (ids.has(seg.instanceId))
      throw new PlanError(`split-prefill of ${req.id}: instance ${seg.instanceId} used twice`);
    ids.add(seg.instanceId);
    next = seg.endToken;
  }
  if (segments.length === 0 || next !== req.promptTokens) {
    throw new PlanError(
      `split-prefill of ${req.id}: segments cover [0, ${next}) of ${req.promptTokens} prompt tokens`,
    );
  }
}
