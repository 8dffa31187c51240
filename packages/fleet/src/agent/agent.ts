/**
 * One agent: the protocol every agent speaks, whatever its engine (`EngineBackend`). It takes
 * dispatches (deduplicated by request id and attempt: a later attempt replaces, the same or an
 * older one is a duplicate, a cancelled one is refused), holds each request's deadline, applies
 * cancels from the gateway that owns the request, checks KV hand-off notices (addressed here,
 * from an agent of the plan, of the job's attempt), turns the engine's tokens into the request's
 * stream (chunk numbers, stop strings held back and applied), and sends one outcome and one
 * completion record per request.
 */
import { OnlineCalibrator } from '@adagen/engine';
import type { InstanceSnapshot, IterationObservation, LatencyProfile } from '@adagen/engine';
import type {
  AgentDispatch,
  DispatchAck,
  EngineCapabilities,
  ErrorCode,
  KvHandoffNotice,
  RequestCancel,
} from '@adagen/protocol';
import { planInstanceIds } from '@adagen/protocol';
import type { BackendSink, EngineBackend } from './backend.js';
import type { AgentHost } from './host.js';
import type { Job } from './job.js';
import { EarlyNotices, RecentIds, gatewayOf, newJob, outputTokensOf } from './job.js';
import { completionRecord, doneOutcome, errorOutcome, kvAborted, tokenChunk } from './messages.js';
import { honours } from '../openai/capabilities.js';
import { StreamText } from './stream-text.js';

export interface AgentOptions {
  readonly instanceId: string;
  readonly host: AgentHost;
  /** Builds the engine, given what it reports to. */
  readonly backend: (sink: BackendSink) => EngineBackend;
  /**
   * Calibrate a latency profile online from the engine's iterations, starting from this one
   * (the profile's name is the agent's own, so estimators keep one per agent).
   */
  readonly calibrateFrom?: LatencyProfile;
  /**
   * A request's tokens after its first are coalesced into one message per this many fleet ms
   * (the first token is never delayed; the outcome flushes what is left). 0: one per token.
   * @default 5
   */
  readonly flushWindowMs?: number;
  /** …or per this many tokens, whichever comes first. @default 32 */
  readonly maxChunkTokens?: number;
}

/** Roles of a plan a backend must offer to run. */
function roleNeeds(role: AgentDispatch['role']): keyof EngineCapabilities | undefined {
  switch (role) {
    case 'full':
      return undefined;
    case 'prefill':
      return 'pdSplit';
    case 'segment':
      return 'splitPrefill';
    case 'decode':
      return undefined; // checked against the plan kind below
  }
}

export class Agent {
  readonly id: string;
  readonly backend: EngineBackend;
  readonly calibrator: OnlineCalibrator | undefined;
  private readonly host: AgentHost;
  private readonly jobs = new Map<string, Job>();
  private readonly recent = new RecentIds();
  /** `<gatewayId>/<requestId>` → the highest attempt cancelled (a late dispatch is refused). */
  private readonly cancelled = new RecentIds();
  private readonly early = new EarlyNotices();
  /** Jobs with coalesced text waiting for the next flush. */
  private readonly unflushed = new Set<Job>();
  private flushTimer: (() => void) | undefined;
  private readonly flushWindowMs: number;
  private readonly maxChunkTokens: number;
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

  constructor(options: AgentOptions) {
    this.id = options.instanceId;
    this.host = options.host;
    this.flushWindowMs = options.flushWindowMs ?? 5;
    this.maxChunkTokens = options.maxChunkTokens ?? 32;
    this.calibrator =
      options.calibrateFrom === undefined
        ? undefined
        : new OnlineCalibrator(options.calibrateFrom, {
            name: `${options.calibrateFrom.name}.cal-${options.instanceId}`,
          });
    this.backend = options.backend(this.sink());
  }

  get capabilities(): EngineCapabilities {
    return this.backend.capabilities;
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
    const unable = this.unableTo(d);
    if (unable !== undefined) return reject('bad_request', unable);
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
    job.queuedAtMs ??= this.host.clock.nowMs();
    // Registered before the engine sees it: an engine may report on it at once.
    this.jobs.set(d.requestId, job);
    // The request's start, for the control plane's latency: the moment it is handed to the engine
    // (what the engine then does in `start` — the simulated one forms its next batch — is the
    // engine's time, not the control plane's).
    const acceptedAtMs = this.host.clock.wallNowMs();
    try {
      this.backend.start(job, d);
    } catch (error) {
      if (existing === undefined) this.jobs.delete(d.requestId);
      return reject('internal', error instanceof Error ? error.message : String(error));
    }
    job.roles.add(d.role);
    if (existing === undefined) {
      const untilDeadline = d.request.deadlineAtMs - this.host.clock.nowMs();
      this.later(job, Math.max(0, untilDeadline), () =>
        this.fail(job, 'deadline_exceeded', `deadline passed on agent ${this.id}`),
      );
    }
    if (d.role === 'decode') for (const n of this.early.take(d.requestId)) this.kvNotice(n);
    this.host.changed();
    return { ...base, status: 'accepted', acceptedAtMs };
  }

  /** Why this agent's engine cannot run its part of `d`, if it cannot. */
  private unableTo(d: AgentDispatch): string | undefined {
    const caps = this.backend.capabilities;
    const need = roleNeeds(d.role);
    const planNeeds: keyof EngineCapabilities | undefined =
      d.plan.kind === 'pd-split'
        ? 'pdSplit'
        : d.plan.kind === 'split-prefill'
          ? 'splitPrefill'
          : undefined;
    const missing = need ?? planNeeds;
    if (missing !== undefined && caps[missing] !== true)
      return `agent ${this.id} (${this.backend.kind} engine) cannot run a ${d.plan.kind} plan`;
    if (d.request.sampling?.stop !== undefined && !caps.stop)
      return `agent ${this.id} (${this.backend.kind} engine) does not offer stop strings`;
    for (const [key, value] of Object.entries(d.request.sampling ?? {}))
      if (key !== 'stop' && value !== undefined && !honours(caps, key))
        return `agent ${this.id} (${this.backend.kind} engine) does not offer sampling field ${key}`;
    return undefined;
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
    }
    this.backend.kvReady(job, n);
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
    const snap = this.backend.snapshot(this.host.clock.nowMs());
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
    return true;
  }

  /** Stops the engine and every timer; requests still here get `unavailable`. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.flushTimer?.();
    for (const job of [...this.jobs.values()])
      this.fail(job, 'unavailable', `agent ${this.id} stopped`);
    this.backend.stop();
  }

  // ---- outcomes ----

  private emit(job: Job, index: number, text: string, atMs: number): void {
    if (index === 0) job.firstTokenAtMs ??= atMs;
    job.tokens = Math.max(job.tokens, index + 1);
    this.counts.tokens += 1;
    const step = job.text.token(text);
    if (step.piece !== undefined) {
      job.outText += step.piece.text;
      job.outTokens += step.piece.tokenCount;
      // The first chunk goes at once; later ones per flush window or chunk size.
      if (job.text.chunks === 0 || job.outTokens >= this.maxChunkTokens || this.flushWindowMs <= 0)
        this.flush(job, atMs);
      else this.flushSoon(job);
    }
    // A stop string ends the request here; the engine frees its KV once it is out of the
    // iteration that produced the token. (A P/D prefill or a split-prefill gather checks
    // `text.stopped` itself.)
    if (step.stopped && (job.engineKind === 'full' || job.engineKind === 'decode')) {
      this.host.setTimer(0, () => this.backend.cancel(job));
      this.finish(job, atMs);
    }
  }

  /** Sends a job's coalesced text as its next chunk. */
  private flush(job: Job, atMs = this.host.clock.nowMs()): void {
    this.unflushed.delete(job);
    if (job.outTokens === 0) return;
    const chunk = job.text.number({ text: job.outText, tokenCount: job.outTokens });
    job.outText = '';
    job.outTokens = 0;
    this.host.stream(job.streamSubject, tokenChunk(job, this.id, chunk, atMs));
  }

  /** Flushes every job with coalesced text at the end of the current window (one timer). */
  private flushSoon(job: Job): void {
    this.unflushed.add(job);
    this.flushTimer ??= this.host.setTimer(this.flushWindowMs, () => {
      this.flushTimer = undefined;
      for (const j of [...this.unflushed]) this.flush(j);
    });
  }

  private finish(job: Job, atMs: number): void {
    if (!this.jobs.has(job.requestId)) return;
    const rest = job.text.end();
    if (rest !== undefined) {
      job.outText += rest.text;
      job.outTokens += rest.tokenCount;
    }
    this.flush(job, atMs);
    this.host.stream(job.streamSubject, doneOutcome(job, this.id, atMs));
    this.host.completion(completionRecord(job, atMs));
    this.counts.finished += 1;
    this.forget(job);
  }

  private fail(job: Job, code: ErrorCode, message: string): void {
    if (!this.jobs.has(job.requestId)) return;
    const now = this.host.clock.nowMs();
    this.host.warn({ requestId: job.requestId, code }, message);
    this.flush(job, now);
    this.host.stream(job.streamSubject, errorOutcome(job, this.id, code, message, now));
    const peer = job.roles.has('decode') ? undefined : kvPeerOf(job);
    if (peer !== undefined && peer !== this.id)
      this.host.kv(peer, kvAborted(job, this.id, peer, code, message, now));
    this.backend.cancel(job);
    this.counts.failed += 1;
    this.forget(job);
  }

  /** Forgets a job without an outcome: off the engine, KV freed, timers cancelled. */
  private drop(job: Job): void {
    this.backend.cancel(job);
    this.early.take(job.requestId);
    this.forget(job);
  }

  private forget(job: Job): void {
    this.unflushed.delete(job);
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

  private sink(): BackendSink {
    return {
      job: (id) => this.jobs.get(id),
      token: (job, index, text, atMs) => this.emit(job, index, text, atMs),
      finished: (job, atMs, reported) => {
        if (reported !== undefined) job.reported = reported;
        this.finish(job, atMs);
      },
      failed: (job, code, message) => this.fail(job, code, message),
      handedOff: (job) => this.forget(job),
      kv: (to, notice) => {
        // A P/D prefill hands its stream on: what it coalesced goes out first, and the
        // hand-off says how many chunks were sent.
        const job = this.jobs.get(notice.requestId);
        if (job !== undefined && notice.type === 'kv_ready' && notice.stream !== undefined) {
          this.flush(job);
          notice.stream = job.text.handoff();
        }
        this.host.kv(to, notice);
      },
      later: (job, ms, fn) => this.later(job, ms, fn),
      setTimer: (ms, fn) => this.host.setTimer(ms, fn),
      nowMs: () => this.host.clock.nowMs(),
      changed: () => this.host.changed(),
      iteration: (o: IterationObservation) => {
        this.counts.iterations += 1;
        this.calibrator?.observe(o);
      },
      preempted: () => {
        this.counts.preemptions += 1;
      },
      warn: (fields, message) => this.host.warn(fields, message),
    };
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
