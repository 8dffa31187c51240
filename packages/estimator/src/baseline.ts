import { SimInstance } from '@adagen/engine';
import type { InstanceObserver, LatencyProfile, RequestProgress, WorkItem } from '@adagen/engine';
import { additionItem, ArrivalQueue, runForward } from './forward.js';
import type { InstanceInput, PendingWork } from './types.js';

/** What the estimator tracks about a request already on (or placed on) an instance. */
export interface KnownRequest {
  promptTokens: number;
  /** Output tokens this instance will emit in total for it (predicted). */
  outputTokens: number;
  /** Tokens it had produced at the entry's current time. */
  generated: number;
  /** When it entered the system (for TTFT). */
  originMs: number;
  /** Its first token's time, when seen. */
  firstTokenAtMs: number | undefined;
  kind: WorkItem['kind'];
}

/**
 * The predicted present state of one instance: its snapshot rebuilt with predicted lengths,
 * the placements made since added, and simulated forward to the latest time asked for. Time
 * only moves forward, so one entry serves every decision until a new snapshot or placement.
 */
export class BaselineEntry implements InstanceObserver {
  readonly inst: SimInstance;
  readonly known = new Map<string, KnownRequest>();
  /** Pending work that has not reached the instance yet at `inst.clockMs`. */
  readonly future = new ArrivalQueue();
  pendingSeen = 0;

  constructor(
    readonly input: InstanceInput,
    profile: LatencyProfile,
    private readonly outputFor: (p: {
      predictedOutputTokens?: number;
      maxTokens?: number;
      generatedTokens: number;
    }) => number,
  ) {
    for (const p of [...input.snapshot.running, ...input.snapshot.waiting]) this.remember(p);
    this.inst = SimInstance.fromSnapshot(input.snapshot, profile, {
      outputTokensFor: (p) => this.known.get(p.id)?.outputTokens ?? 1,
      observer: this,
    });
    this.addPending(input.pending);
  }

  /** Whether this entry still describes `input` (same snapshot; pending only grew). */
  matches(input: InstanceInput): boolean {
    return (
      input.snapshot === this.input.snapshot &&
      input.pending.length >= this.pendingSeen &&
      (this.pendingSeen === 0 ||
        input.pending[this.pendingSeen - 1]?.requestId ===
          this.input.pending[this.pendingSeen - 1]?.requestId)
    );
  }

  /** Adds the pending work not seen yet. */
  addPending(pending: readonly PendingWork[]): void {
    for (let i = this.pendingSeen; i < pending.length; i++) {
      const w = pending[i]!;
      const item = pendingItem(w);
      const outputTokens = 'outputTokens' in item ? item.outputTokens : 1;
      this.known.set(w.requestId, {
        promptTokens: w.promptTokens,
        outputTokens,
        generated: w.role === 'decode' ? (w.generatedTokens ?? 1) : 0,
        originMs: w.atMs,
        firstTokenAtMs: undefined,
        kind: w.role,
      });
      this.future.add({ item, atMs: w.atMs });
    }
    this.pendingSeen = pending.length;
    (this as { input: InstanceInput }).input = { ...this.input, pending };
  }

  /** Simulates the entry forward to `nowMs` (no-op if already there); the iterations run. */
  advanceTo(nowMs: number): number {
    return runForward(this.inst, this.future, () => false, {
      maxIterations: Infinity,
      untilMs: nowMs,
      stop: 'end',
    }).iterations;
  }

  private remember(p: RequestProgress): void {
    this.known.set(p.id, {
      promptTokens: p.promptTokens,
      outputTokens: p.kind === 'full' || p.kind === 'decode' ? this.outputFor(p) : 1,
      generated: p.generatedTokens,
      originMs: p.originArrivalMs ?? p.arrivalMs,
      firstTokenAtMs: p.firstTokenAtMs,
      kind: p.kind,
    });
  }

  onToken(id: string, index: number, atMs: number): void {
    const k = this.known.get(id);
    if (!k) return;
    k.generated = index + 1;
    if (index === 0 || k.firstTokenAtMs === undefined) k.firstTokenAtMs ??= atMs;
  }
}

function pendingItem(w: PendingWork): WorkItem {
  return additionItem({
    id: w.requestId,
    role: w.role,
    promptTokens: w.promptTokens,
    outputTokens: w.predictedOutputTokens,
    arrivalMs: w.atMs,
    ...(w.maxTokens === undefined ? {} : { maxTokens: w.maxTokens }),
    ...(w.startToken === undefined ? {} : { startToken: w.startToken }),
    ...(w.endToken === undefined ? {} : { endToken: w.endToken }),
    ...(w.generatedTokens === undefined ? {} : { generatedTokens: w.generatedTokens }),
    ...(w.cachedTokens === undefined ? {} : { cachedTokens: w.cachedTokens }),
  });
}
