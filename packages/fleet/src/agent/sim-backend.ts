/**
 * The `sim` backend: a simulated GPU instance served in real time. The engine's `SimInstance` is
 * stepped on the fleet clock (start an iteration, wait its duration, finish it, report the
 * tokens), and the parts of distributed plans are carried out with peer agents through KV
 * hand-off notices, the KV transfer itself being a delay of `kvTransferMs` over the configured
 * link. Its text is a function of the request (`simToken`), so tests can check every stream.
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
import type { AgentDispatch, EngineCapabilities, KvHandoffNotice } from '@adagen/protocol';
import type { PrefixCacheSource } from '../prefix/cache-feed.js';
import type { BackendSink, EngineBackend } from './backend.js';
import { enqueueDecodePart, enqueuePart } from './enqueue.js';
import type { Job } from './job.js';
import { kvReady } from './messages.js';
import { simToken } from './text.js';

export interface SimBackendOptions {
  readonly instanceId: string;
  /** The profile the simulated engine runs. */
  readonly profile: LatencyProfile;
  /** The profile it announces, when another (model error, for calibration). @default profile */
  readonly announcedProfile?: string;
  readonly engine?: EngineConfigInput;
  /** Link used for KV transfers to and from peers. */
  readonly link: Link;
  /** Most fleet ms a late timer may be caught up by. @default 50 */
  readonly maxLagMs?: number;
}

export class SimBackend implements EngineBackend {
  readonly kind = 'sim' as const;
  readonly instance: SimInstance;
  /**
   * The simulated engine's prefix cache, when its engine config turns it on: the blocks it
   * stores and evicts, as vLLM's KV events (the agent publishes them; balancers index them).
   */
  readonly prefixCache?: PrefixCacheSource;
  private readonly bytesPerToken: number;
  private readonly maxLagMs: number;
  private iterationTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly o: SimBackendOptions,
    private readonly sink: BackendSink,
  ) {
    this.maxLagMs = o.maxLagMs ?? 50;
    this.bytesPerToken = kvBytesPerToken(o.profile);
    this.instance = new SimInstance({
      id: o.instanceId,
      profile: o.profile,
      ...(o.engine === undefined ? {} : { config: o.engine }),
      observer: this.observer(),
    });
    if (this.instance.config.enablePrefixCaching) {
      const instance = this.instance;
      this.prefixCache = {
        blockSize: instance.config.blockSize,
        changes: () => instance.drainPrefixEvents(),
      };
    }
  }

  get profileName(): string {
    return this.o.announcedProfile ?? this.o.profile.name;
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
      // Off unless its engine config turns it on (the simulated engine's default, as here).
      prefixCaching: this.instance.config.enablePrefixCaching,
    };
  }

  start(job: Job, d: AgentDispatch): void {
    enqueuePart(this.instance, job, d, this.arrivalMs());
    this.pump();
  }

  kvReady(job: Job, n: Extract<KvHandoffNotice, { type: 'kv_ready' }>): void {
    if (job.plan.kind === 'pd-split') return this.enqueueDecode(job);
    if (job.plan.kind !== 'split-prefill') return;
    job.segmentsReady.add(n.range.startToken);
    if (job.segmentsReady.size < job.plan.segments.length) return;
    // Every segment's KV is computed: the first token, then the gather, then decode here.
    const now = this.sink.nowMs();
    this.sink.token(job, 0, simToken(job.textSeed, 0), now);
    if (job.outputTokens <= 1 || job.text.stopped) {
      this.releaseIfHeld(job);
      return this.sink.finished(job, now);
    }
    let remoteTokens = 0;
    for (const s of job.plan.segments)
      if (s.instanceId !== this.o.instanceId) remoteTokens += s.endToken - s.startToken;
    this.sink.later(job, kvTransferMs(remoteTokens, this.bytesPerToken, this.o.link), () => {
      this.releaseIfHeld(job);
      this.enqueueDecode(job);
    });
  }

  cancel(job: Job): void {
    this.instance.cancel(job.requestId);
    this.pump();
  }

  snapshot(nowMs: number): InstanceSnapshot {
    const snap = this.instance.snapshot();
    snap.atMs = Math.max(snap.atMs, nowMs);
    snap.profile = this.profileName;
    return snap;
  }

  stop(): void {
    this.stopped = true;
    this.iterationTimer?.();
  }

  private enqueueDecode(job: Job): void {
    if (this.stopped || this.sink.job(job.requestId) !== job) return;
    enqueueDecodePart(this.instance, job, this.arrivalMs());
    this.sink.changed();
    this.pump();
  }

  /** Arrival time of new work: now, or the end of a late iteration it will join. */
  private arrivalMs(): number {
    const now = this.sink.nowMs();
    const busyUntil = this.instance.busyUntilMs();
    return busyUntil !== undefined && busyUntil < now ? busyUntil : now;
  }

  private pump(continueFromMs?: number): void {
    if (this.iterationTimer !== undefined || this.stopped || !this.instance.hasWork()) return;
    const now = this.sink.nowMs();
    let endMs: number | undefined;
    if (continueFromMs !== undefined && now - continueFromMs <= this.maxLagMs)
      endMs = this.instance.startIteration(continueFromMs);
    endMs ??= this.instance.startIteration(now);
    if (endMs === undefined) return;
    const end = endMs;
    this.iterationTimer = this.sink.setTimer(Math.max(0, end - now), () => {
      this.iterationTimer = undefined;
      if (this.stopped) return;
      this.instance.finishIteration();
      this.pump(end);
    });
  }

  private observer(): InstanceObserver {
    return {
      onToken: (id, index, atMs) => {
        const job = this.sink.job(id);
        if (job === undefined || job.engineKind === 'segment') return;
        this.sink.token(job, index, simToken(job.textSeed, index), atMs);
      },
      onFinished: (id, atMs) => {
        const job = this.sink.job(id);
        if (job !== undefined && (job.engineKind === 'full' || job.engineKind === 'decode'))
          this.sink.finished(job, atMs);
      },
      onPrefillDone: (id, atMs, kvTokens) => {
        const job = this.sink.job(id);
        if (job === undefined) return;
        if (job.engineKind === 'prefill') this.prefillDone(job, atMs, kvTokens);
        else if (job.engineKind === 'segment') this.segmentDone(job, kvTokens);
      },
      onRejected: (id, _atMs, reason) => {
        const job = this.sink.job(id);
        // Called while a batch is formed: answer once the engine is done with it.
        if (job !== undefined) this.sink.setTimer(0, () => this.rejected(job, reason));
      },
      onPreempted: () => this.sink.preempted(),
      onIteration: (report) => this.sink.iteration(report),
    };
  }

  /** P/D split, on the prefill instance: the first token went out; hand the KV over. */
  private prefillDone(job: Job, atMs: number, kvTokens: number): void {
    const peer = job.plan.kind === 'pd-split' ? job.plan.decodeInstanceId : undefined;
    if (peer === undefined) return;
    const self = this.o.instanceId;
    const blocks = blocksForTokens(kvTokens, this.instance.config.blockSize);
    const range = { startToken: 0, endToken: Math.max(1, job.request.promptTokens) };
    if (job.outputTokens <= 1 || job.text.stopped) {
      this.instance.release(job.requestId);
      this.sink.kv(peer, kvReady(job, self, peer, range, blocks, atMs));
      return this.sink.finished(job, atMs);
    }
    this.sink.later(job, kvTransferMs(kvTokens, this.bytesPerToken, this.o.link), () => {
      this.instance.release(job.requestId);
      this.sink.kv(peer, kvReady(job, self, peer, range, blocks, this.sink.nowMs()));
      this.sink.handedOff(job);
      this.pump();
    });
  }

  /** Split prefill, on a segment instance: receive the earlier KV, then tell the decode instance. */
  private segmentDone(job: Job, kvTokens: number): void {
    if (job.plan.kind !== 'split-prefill') return;
    const self = this.o.instanceId;
    const mine = job.plan.segments.find((s) => s.instanceId === self);
    if (mine === undefined) return;
    const to = job.plan.decodeInstanceId;
    const blocks = blocksForTokens(kvTokens, this.instance.config.blockSize);
    const range = { startToken: mine.startToken, endToken: mine.endToken };
    this.sink.later(job, kvTransferMs(mine.startToken, this.bytesPerToken, this.o.link), () => {
      this.sink.kv(to, kvReady(job, self, to, range, blocks, this.sink.nowMs()));
      if (to === self) return; // the decode part releases it after the gather
      this.sink.later(
        job,
        kvTransferMs(mine.endToken - mine.startToken, this.bytesPerToken, this.o.link),
        () => {
          this.releaseIfHeld(job);
          this.sink.handedOff(job);
          this.pump();
        },
      );
    });
  }

  private rejected(job: Job, reason: RejectReason): void {
    const why =
      reason === 'prompt-too-long'
        ? `the prompt (${job.request.promptTokens} tokens) is longer than this instance's maximum context length (${this.instance.config.maxModelLen})`
        : 'the request needs more KV cache than the instance has';
    this.sink.failed(
      job,
      'bad_request',
      `agent ${this.o.instanceId} cannot run ${job.requestId}: ${why}`,
    );
  }

  private releaseIfHeld(job: Job): void {
    if (this.instance.phaseOf(job.requestId) === 'held') this.instance.release(job.requestId);
  }
}
