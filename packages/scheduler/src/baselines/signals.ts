/**
 * Load signals the baselines read from an `InstanceView`: the (stale) snapshot plus the
 * placements made since it was taken (`pending`). Every baseline counts pending placements, so it
 * is not herded onto the instance that merely looked idle in the last snapshot — the same
 * information the AdaGen balancer gets, which keeps the comparison fair.
 */
import type { RequestProgress, WorkKind } from '@adagen/engine';
import type { InstanceView, PendingPlacement } from '../types.js';

/** Admitted requests that still compute (running minus `held` prefill KV awaiting hand-off). */
export function activeRunning(view: InstanceView): number {
  let n = 0;
  for (const r of view.snapshot.running) if (r.phase !== 'held') n++;
  return n;
}

/** Requests the instance works on or is about to: active running + waiting + pending. */
export function outstandingRequests(view: InstanceView): number {
  return activeRunning(view) + view.snapshot.waiting.length + view.pending.length;
}

/**
 * Tokens of KV a piece of work allocates when admitted, as the engine sizes it: the prefill
 * pass (prompt + tokens generated before a preemption), a segment's own span, or a decode
 * item's whole transferred context.
 */
export function kvTokensNeeded(work: {
  kind: WorkKind;
  promptTokens: number;
  generatedTokens?: number;
  startToken?: number;
  endToken?: number;
}): number {
  switch (work.kind) {
    case 'full':
    case 'prefill':
      return work.promptTokens + (work.generatedTokens ?? 0);
    case 'decode':
      return work.promptTokens + Math.max(1, work.generatedTokens ?? 0);
    case 'segment':
      return (work.endToken ?? work.promptTokens) - (work.startToken ?? 0);
  }
}

export function blocksFor(tokens: number, blockSize: number): number {
  return Math.ceil(tokens / blockSize);
}

function pendingAsWork(p: PendingPlacement): Parameters<typeof kvTokensNeeded>[0] {
  return {
    kind: p.role,
    promptTokens: p.promptTokens,
    startToken: p.startToken,
    endToken: p.endToken,
  };
}

/** KV blocks the pending placements will take once they are admitted. */
export function pendingKvBlocks(view: InstanceView): number {
  const bs = view.snapshot.config.blockSize;
  let blocks = 0;
  for (const p of view.pending) blocks += blocksFor(kvTokensNeeded(pendingAsWork(p)), bs);
  return blocks;
}

/** KV blocks the waiting requests will need (they hold none while waiting). */
export function waitingKvBlocks(view: InstanceView): number {
  const bs = view.snapshot.config.blockSize;
  let blocks = 0;
  for (const r of view.snapshot.waiting) blocks += blocksFor(kvTokensNeeded(r), bs);
  return blocks;
}

/** Prefill tokens not yet computed for one request on the instance (0 once decoding/held). */
export function uncomputedPrefillTokens(r: RequestProgress): number {
  if (r.phase === 'decoding' || r.phase === 'held') return 0;
  switch (r.kind) {
    case 'full':
    case 'prefill': {
      // A waiting request's cached prefix will not be computed (prefix caching).
      const cached = r.phase === 'waiting' ? (r.cachedTokens ?? 0) : 0;
      return Math.max(0, r.promptTokens + r.generatedTokens - r.prefilledTokens - cached);
    }
    case 'segment':
      return Math.max(0, (r.endToken ?? r.promptTokens) - (r.startToken ?? 0) - r.prefilledTokens);
    case 'decode':
      // A transferred decode starts decoding at once unless it was preempted here (recompute).
      return (r.preemptions ?? 0) > 0
        ? Math.max(0, r.promptTokens + r.generatedTokens - r.prefilledTokens)
        : 0;
  }
}

function pendingPrefillTokens(p: PendingPlacement): number {
  switch (p.role) {
    case 'full':
    case 'prefill':
      return p.promptTokens - (p.cachedTokens ?? 0);
    case 'segment':
      return (p.endToken ?? p.promptTokens) - (p.startToken ?? 0);
    case 'decode':
      return 0;
  }
}

/** Prefill tokens queued on the instance: running and waiting requests plus pending placements. */
export function queuedPrefillTokens(view: InstanceView): number {
  let tokens = 0;
  for (const r of view.snapshot.running) tokens += uncomputedPrefillTokens(r);
  for (const r of view.snapshot.waiting) tokens += uncomputedPrefillTokens(r);
  for (const p of view.pending) tokens += pendingPrefillTokens(p);
  return tokens;
}

/** The instance's usable instances' indices; draining instances are never candidates. */
export function readyIndices(instances: readonly InstanceView[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < instances.length; i++) if (instances[i]!.status === 'ready') out.push(i);
  if (out.length === 0) throw new NoReadyInstanceError(instances.length);
  return out;
}

export class NoReadyInstanceError extends Error {
  readonly code = 'no_ready_instance';
  constructor(total: number) {
    super(`no ready instance to place on (${total} instances, all draining or none)`);
    this.name = 'NoReadyInstanceError';
  }
}
