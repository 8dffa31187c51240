/**
 * A simulated GPU instance served in real time: the engine's `SimInstance` is stepped on the
 * fleet clock (start an iteration, wait its duration, finish it, stream the tokens), and the
 * parts of distributed plans are carried out with peer agents through KV hand-off notices, the
 * KV transfer itself being a delay of `kvTransferMs` over the configured link.
 *
 * Virtual time stays continuous while the instance is busy: the next iteration starts at the end
 * of the last one even when the timer fired a little late (up to `maxLagMs`), so iteration
 * timings are the simulator's; work arriving during that lateness joins the next iteration.
 */
import { SimInstance, blocksForTokens, kvBytesPerToken, kvTransferMs } from '@adagen/engine';
import type {
  EngineConfigInput,
  InstanceObserver,
  InstanceSnapshot,
  LatencyProfile,
  Link,
  RejectReason,
} from '@adagen/engine';
import type {
  AgentDispatch,
  DispatchAck,
  EngineCapabilities,
  ErrorCode,
  KvHandoffNotice,
  RequestCancel,
} from '@adagen/protocol';
import { planInstanceIds } from '@adagen/protocol';
import { enqueueDecodePart, enqueuePart } from './enqueue.js';
import type { AgentHost } from './host.js';
import type { Job } from './job.js';
import { EarlyNotices, RecentIds, gatewayOf, newJob, outputTokensOf } from './job.js';
import {
  completionRecord,
  doneOutcome,
  errorOutcome,
  kvAborted,
  kvReady,
  tokenChunk,
} from './messages.js';
import { StreamText } from './stream-text.js';
import { simToken } from './text.js';

export interface SimAgentOptions {
  readonly instanceId: string;
  readonly profile: LatencyProfile;
  readonly engine?: EngineConfigInput;
  /** Link used for KV transfers to and from peers. */
  readonly link: Link;
  readonly host: AgentHost;
  /** Most fleet ms a late timer may be caught up by. @default 50 */
  readonly maxLagMs?: number;
}

export class SimAgent {
  readonly id: string;
  readonly instance: SimInstance;
  private readonly host: AgentHost;
  private readonly link: Link;
  private readonly bytesPerToken: number;
  private readonly maxLagMs: number;
  private readonly jobs = new Map<string, Job>();
  private readonly recent = new RecentIds();
  /** `<gatewayId>/<requestId>` → the highest attempt cancelled (a late dispatch is refused). */
  private readonly cancelled = new RecentIds();
  private readonly early = new EarlyNotices();
  private iterationTimer: (() => void) | undefined;
  private stopped = false;
  /** Counters for metrics. */
  readonly counts = {
    tokens: 0,
    iterations: 0,
    finished: 0,
    failed: 0,
    cancelled: 0,
    preemptions: 0,
    /** Hand-off notices dropped: not for this agent, or from an agent outside the request's plan. */
    foreignKv: 0,
  };

  constructor(options: SimAgentOptions) {
    this.id = options.instanceId;
    this.host = options.host;
    this.link = options.link;
    this.maxLagMs = options.maxLagMs ?? 50;
    this.bytesPerToken = kvBytesPerToken(options.profile);
    this.instance = new SimInstance({
      id: options.instanceId,
      profile: options.profile,
      ...(options.engine === undefined ? {} : { config: options.engine }),
      observer: this.observer(),
    });
  }

  /** What the simulated engine can do (sampling fields are recorded; `seed` shapes the text). */
  get capabilities(): EngineCapabilities {
    return {
      pdSplit: true,
      splitPrefill: true,
      stop: true,
      logprobs: false,
      sampling: true,
      maxModelLen: this.instance.config.maxModelLen,
    };
  }

  /** Requests this agent holds (running, waiting, or waiting for KV). */
  get activeRequests(): number {
    return this.jobs.size;
  }

  /** Takes one part of a plan. Never throws. */
  dispatch(d: AgentDispatch): DispatchAck {
    const base = {
      v: 1,
      type: 'dispatch_ack',
      requestId: d.requestId,
      attempt: d.attempt,
      instanceId: this.id,
    } as const;
    const reject = (code: ErrorCode, message: string): DispatchAck => ({
      ...base,
      status: 'rejected',
      error: { code, message },
    });
    if (this.stopped) return reject('unavailable', `agent ${this.id} is stopping`);
    if (d.instanceId !== this.id)
      return reject('bad_request', `dispatch for ${d.instanceId} reached agent ${this.id}`);
    const gatewayId = gatewayOf(d.request.streamSubject);
    if (this.cancelled.covers(`${gatewayId}/${d.requestId}`, d.attempt))
      return reject('unavailable', `attempt ${d.attempt} of ${d.requestId} was cancelled`);
    let existing = this.jobs.get(d.requestId);
    // A later attempt replaces what this agent runs for an earlier one (the gateway gave up on
    // it); the same attempt again, or an older one, is a duplicate.
    if (existing !== undefined && d.attempt > existing.attempt) {
      this.drop(existing);
      existing = undefined;
    }
    if (
      (existing === undefined && this.recent.covers(d.requestId, d.attempt)) ||
      (existing !== undefined && (d.attempt < existing.attempt || existing.roles.has(d.role)))
    )
      return { ...base, status: 'duplicate' };
    const job = existing ?? newJob(d, outputTokensOf(d));
    try {
      this.start(job, d);
    } catch (error) {
      return reject('internal', error instanceof Error ? error.message : String(error));
    }
    job.roles.add(d.role);
    if (existing === undefined) {
      this.jobs.set(d.requestId, job);
      const untilDeadline = d.request.deadlineAtMs - this.host.clock.nowMs();
      this.later(job, Math.max(0, untilDeadline), () =>
        this.fail(job, 'deadline_exceeded', `deadline passed on agent ${this.id}`),
      );
    }
    if (d.role === 'decode') for (const n of this.early.take(d.requestId)) this.kvNotice(n);
    this.host.changed();
    this.pump();
    return { ...base, status: 'accepted', acceptedAtMs: this.host.clock.wallNowMs() };
  }

  /** A KV hand-off notice addressed to this agent. */
  kvNotice(n: KvHandoffNotice): void {
    if (n.toInstanceId !== this.id) return this.foreignKv(n, 'addressed to another agent');
    const job = this.jobs.get(n.requestId);
    if (job !== undefined && n.attempt !== job.attempt) return; // another attempt's hand-off
    if (job === undefined || !job.roles.has('decode')) {
      if (!this.recent.covers(n.requestId, n.attempt)) this.early.add(n);
      return;
    }
    // Only the plan's prefill or segment agents (this one too, for its own segment) hand KV over.
    if (!planInstanceIds(job.plan).includes(n.fromInstanceId))
      return this.foreignKv(n, 'from an agent outside the request’s plan');
    if (n.type === 'kv_aborted') {
      this.fail(job, n.code, `prefill on ${n.fromInstanceId} failed: ${n.message}`);
      return;
    }
    if (job.plan.kind === 'pd-split') {
      job.firstTokenAtMs ??= n.firstTokenAtMs;
      job.tokens = Math.max(job.tokens, 1);
      if (n.stream !== undefined) job.text = new StreamText(job.request.sampling?.stop, n.stream);
      // The prefill instance finished it (one token, or a stop string in the first).
      if (job.outputTokens <= 1 || n.stream?.finished === true) return this.forget(job);
      this.enqueueDecode(job);
      return;
    }
    if (job.plan.kind !== 'split-prefill') return;
    job.segmentsReady.add(n.range.startToken);
    if (job.segmentsReady.size < job.plan.segments.length) return;
    // Every segment's KV is computed: the first token, then the gather, then decode here.
    const now = this.host.clock.nowMs();
    this.emit(job, 0, now);
    if (job.outputTokens <= 1 || job.text.stopped) {
      this.releaseIfHeld(job);
      return this.finish(job, now);
    }
    let remoteTokens = 0;
    for (const s of job.plan.segments)
      if (s.instanceId !== this.id) remoteTokens += s.endToken - s.startToken;
    this.later(job, kvTransferMs(remoteTokens, this.bytesPerToken, this.link), () => {
      this.releaseIfHeld(job);
      this.enqueueDecode(job);
    });
  }

  private foreignKv(n: KvHandoffNotice, why: string): void {
    this.counts.foreignKv += 1;
    this.host.warn(
      { requestId: n.requestId, fromInstanceId: n.fromInstanceId },
      `KV hand-off notice ${why} dropped`,
    );
  }

  /** The instance's state now (fleet time), for a state message. */
  snapshot(): InstanceSnapshot {
    const snap = this.instance.snapshot();
    snap.atMs = Math.max(snap.atMs, this.host.clock.nowMs());
    return snap;
  }

  /**
   * Cancels the attempts of a request up to `c.upToAttempt` held for `gatewayId` (the gateway
   * named in the cancel's subject): frees their KV and timers, sends nothing to the stream (its
   * reader gave up on it). A dispatch of a cancelled attempt arriving later is refused. Returns
   * whether a job was cancelled here.
   */
  cancel(c: RequestCancel, gatewayId: string): boolean {
    this.cancelled.add(`${gatewayId}/${c.requestId}`, c.upToAttempt);
    const job = this.jobs.get(c.requestId);
    if (job === undefined || job.gatewayId !== gatewayId || job.attempt > c.upToAttempt)
      return false;
    this.drop(job);
    this.counts.cancelled += 1;
    this.pump();
    return true;
  }

  /** Stops the engine loop and every timer; requests still here get `unavailable`. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.iterationTimer?.();
    for (const job of [...this.jobs.values()])
      this.fail(job, 'unavailable', `agent ${this.id} stopped`);
  }

  // ---- engine work ----

  private start(job: Job, d: AgentDispatch): void {
    enqueuePart(this.instance, job, d, this.arrivalMs());
  }

  private enqueueDecode(job: Job): void {
    if (this.stopped || !this.jobs.has(job.requestId)) return;
    enqueueDecodePart(this.instance, job, this.arrivalMs());
    this.host.changed();
    this.pump();
  }

  /** Arrival time of new work: now, or the end of a late iteration it will join. */
  private arrivalMs(): number {
    const now = this.host.clock.nowMs();
    const busyUntil = this.instance.busyUntilMs();
    return busyUntil !== undefined && busyUntil < now ? busyUntil : now;
  }

  private pump(continueFromMs?: number): void {
    if (this.iterationTimer !== undefined || this.stopped || !this.instance.hasWork()) return;
    const now = this.host.clock.nowMs();
    let endMs: number | undefined;
    if (continueFromMs !== undefined && now - continueFromMs <= this.maxLagMs)
      endMs = this.instance.startIteration(continueFromMs);
    endMs ??= this.instance.startIteration(now);
    if (endMs === undefined) return;
    const end = endMs;
    this.iterationTimer = this.host.setTimer(Math.max(0, end - now), () => {
      this.iterationTimer = undefined;
      if (this.stopped) return;
      this.instance.finishIteration();
      this.counts.iterations += 1;
      this.pump(end);
    });
  }

  private observer(): InstanceObserver {
    return {
      onToken: (id, index, atMs) => {
        const job = this.jobs.get(id);
        if (job === undefined || job.engineKind === 'segment') return;
        this.emit(job, index, atMs);
      },
      onFinished: (id, atMs) => {
        const job = this.jobs.get(id);
        if (job !== undefined && (job.engineKind === 'full' || job.engineKind === 'decode'))
          this.finish(job, atMs);
      },
      onPrefillDone: (id, atMs, kvTokens) => {
        const job = this.jobs.get(id);
        if (job === undefined) return;
        if (job.engineKind === 'prefill') this.prefillDone(job, atMs, kvTokens);
        else if (job.engineKind === 'segment') this.segmentDone(job, kvTokens);
      },
      onRejected: (id, _atMs, reason) => {
        const job = this.jobs.get(id);
        // Called while a batch is formed: answer once the engine is done with it.
        if (job !== undefined) this.host.setTimer(0, () => this.rejected(job, reason));
      },
      onPreempted: () => {
        this.counts.preemptions += 1;
      },
    };
  }

  /** P/D split, on the prefill instance: the first token went out; hand the KV over. */
  private prefillDone(job: Job, atMs: number, kvTokens: number): void {
    const peer = job.plan.kind === 'pd-split' ? job.plan.decodeInstanceId : undefined;
    if (peer === undefined) return;
    const blocks = blocksForTokens(kvTokens, this.instance.config.blockSize);
    const range = { startToken: 0, endToken: Math.max(1, job.request.promptTokens) };
    if (job.outputTokens <= 1 || job.text.stopped) {
      this.instance.release(job.requestId);
      this.host.kv(peer, kvReady(job, this.id, peer, range, blocks, atMs));
      return this.finish(job, atMs);
    }
    this.later(job, kvTransferMs(kvTokens, this.bytesPerToken, this.link), () => {
      this.instance.release(job.requestId);
      this.host.kv(peer, kvReady(job, this.id, peer, range, blocks, this.host.clock.nowMs()));
      this.forget(job);
      this.pump();
    });
  }

  /** Split prefill, on a segment instance: receive the earlier KV, then tell the decode instance. */
  private segmentDone(job: Job, kvTokens: number): void {
    if (job.plan.kind !== 'split-prefill') return;
    const mine = job.plan.segments.find((s) => s.instanceId === this.id);
    if (mine === undefined) return;
    const to = job.plan.decodeInstanceId;
    const blocks = blocksForTokens(kvTokens, this.instance.config.blockSize);
    const range = { startToken: mine.startToken, endToken: mine.endToken };
    this.later(job, kvTransferMs(mine.startToken, this.bytesPerToken, this.link), () => {
      this.host.kv(to, kvReady(job, this.id, to, range, blocks, this.host.clock.nowMs()));
      if (to === this.id) return; // the decode part releases it after the gather
      this.later(
        job,
        kvTransferMs(mine.endToken - mine.startToken, this.bytesPerToken, this.link),
        () => {
          this.releaseIfHeld(job);
          this.forget(job);
          this.pump();
        },
      );
    });
  }

  private rejected(job: Job, reason: RejectReason): void {
    const why =
      reason === 'prompt-too-long'
        ? 'the prompt is longer than maxModelLen'
        : 'the request needs more KV cache than the instance has';
    this.fail(job, 'bad_request', `agent ${this.id} cannot run ${job.requestId}: ${why}`);
  }

  // ---- outcomes ----

  private emit(job: Job, index: number, atMs: number): void {
    if (index === 0) job.firstTokenAtMs ??= atMs;
    job.tokens = Math.max(job.tokens, index + 1);
    this.counts.tokens += 1;
    const step = job.text.token(simToken(job.textSeed, index));
    if (step.chunk !== undefined)
      this.host.stream(job.streamSubject, tokenChunk(job, this.id, step.chunk, atMs));
    // A stop string ends the request here; the engine frees its KV once this iteration is done.
    // (A P/D prefill or a split-prefill gather checks `text.stopped` itself.)
    if (step.stopped && (job.engineKind === 'full' || job.engineKind === 'decode')) {
      this.host.setTimer(0, () => {
        this.instance.cancel(job.requestId);
        this.pump();
      });
      this.finish(job, atMs);
    }
  }

  private finish(job: Job, atMs: number): void {
    const rest = job.text.end();
    if (rest !== undefined)
      this.host.stream(job.streamSubject, tokenChunk(job, this.id, rest, atMs));
    this.host.stream(job.streamSubject, doneOutcome(job, this.id, atMs));
    this.host.completion(completionRecord(job, atMs));
    this.counts.finished += 1;
    this.forget(job);
  }

  private fail(job: Job, code: ErrorCode, message: string): void {
    if (!this.jobs.has(job.requestId)) return;
    const now = this.host.clock.nowMs();
    this.host.warn({ requestId: job.requestId, code }, message);
    this.host.stream(job.streamSubject, errorOutcome(job, this.id, code, message, now));
    const peer = job.roles.has('decode') ? undefined : kvPeerOf(job);
    if (peer !== undefined && peer !== this.id)
      this.host.kv(peer, kvAborted(job, this.id, peer, code, message, now));
    this.instance.cancel(job.requestId);
    this.counts.failed += 1;
    this.forget(job);
    this.pump();
  }

  /** Forgets a job without an outcome: off the engine, KV freed, timers cancelled. */
  private drop(job: Job): void {
    this.instance.cancel(job.requestId);
    this.early.take(job.requestId);
    this.forget(job);
  }

  private releaseIfHeld(job: Job): void {
    if (this.instance.phaseOf(job.requestId) === 'held') this.instance.release(job.requestId);
  }

  private forget(job: Job): void {
    for (const cancel of job.timers) cancel();
    job.timers.clear();
    if (this.jobs.get(job.requestId) === job) {
      this.jobs.delete(job.requestId);
      this.recent.add(job.requestId, job.attempt);
      this.host.changed();
    }
  }

  private later(job: Job, fleetDelayMs: number, fn: () => void): void {
    const cancel = this.host.setTimer(fleetDelayMs, () => {
      job.timers.delete(cancel);
      fn();
    });
    job.timers.add(cancel);
  }
}

function kvPeerOf(job: Job): string | undefined {
  switch (job.plan.kind) {
    case 'single':
      return undefined;
    case 'pd-split':
    case 'split-prefill':
      return job.plan.decodeInstanceId;
  }
}
