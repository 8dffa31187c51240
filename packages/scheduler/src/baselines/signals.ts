/**
 * Load signals the baselines read from an `InstanceView`: the (stale) snapshot plus the
 * placements made since it was taken (`pending`). Every baseline counts pending placements, so it
 * is not herded onto the instance that merely looked idle in the last snapshot — the same
 * information the AdaGen balancer gets, which keeps the comparison fair.
 */
import type { RequestProgress, WorkKind } from '@adagen/engine';
import type { InstanceView, PendingPlacement } from '../types.js';

/** Requests the instance holds or is about to hold: running + waiting + pending. */
export function outstandingRequests(view: InstanceView): number {
  return view.snapshot.running.length + view.snapshot.waiting.length + view.pending.length;
}

/** Tokens of KV a piece of work needs resident before it can run (its prompt, as the kind sees it). */
export function kvTokensNeeded(work: {
  kind: WorkKind;
  promptTokens: number;
  generatedTokens?: number;
  endToken?: number;
}): number {
  switch (work.kind) {
    case 'full':
    case 'prefill':
      return work.promptTokens + (work.generatedTokens ?? 0);
    case 'decode':
      // The KV of the prompt and the tokens generated elsewhere arrives with the item (≥ 1).
      return work.promptTokens + Math.max(1, work.generatedTokens ?? 0);
    case 'segment':
      // A segment attends to the peers' KV of [0, startToken) and keeps its own up to endToken.
      return work.endToken ?? work.promptTokens;
  }
}

export function blocksFor(tokens: number, blockSize: number): number {
  return Math.ceil(tokens / blockSize);
}

function pendingAsWork(p: PendingPlacement): Parameters<typeof kvTokensNeeded>[0] {
  return { kind: p.role, promptTokens: p.promptTokens, endToken: p.endToken };
}

/** KV blocks the pending placements will take once they are admitted. */
export function pendingKvBlocks(view: InstanceView): number {
  const bs = view.snapshot.config.blockSize;
  let blocks = 0;
  for (const p of view.pending) blocks += blocksFor(kvTokensNeeded(pendingAsWork(p)), bs);
  return blocks;
}

/** KV blocks the waiting requests will need for their prompts (they hold none while waiting). */
export function waitingKvBlocks(view: InstanceView): number {
  const bs = view.snapshot.config.blockSize;
  let blocks = 0;
  for (const r of view.snapshot.waiting) blocks += blocksFor(kvTokensNeeded(r), bs);
  return blocks;
}

/** Prefill tokens not yet computed for one request on the instance (0 for decode items). */
export function uncomputedPrefillTokens(r: RequestProgress): number {
  switch (r.kind) {
    case 'full':
    case 'prefill':
      return Math.max(0, r.promptTokens - r.prefilledTokens);
    case 'segment':
      return Math.max(0, (r.endToken ?? r.promptTokens) - (r.startToken ?? 0) - r.prefilledTokens);
    case 'decode':
      return 0;
  }
}

function pendingPrefillTokens(p: PendingPlacement): number {
  switch (p.role) {
    case 'full':
    case 'prefill':
      return p.promptTokens;
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
