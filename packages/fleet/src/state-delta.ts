/**
 * Agents' state as deltas: `diffState` turns two successive states of one agent into the
 * compact `InstanceStateDelta` (only the requests that changed, and only their changed fields),
 * `applyStateDelta` rebuilds the newer state from the older one and the delta. The rules are
 * the schema's (packages/protocol/src/messages/state.ts); the agent checks every delta it sends
 * against them (it applies the delta to its previous state itself and sends the full state when
 * the result would differ), so a receiver that applies it on top of the right state gets exactly
 * the state the agent took.
 */
import type {
  InstanceState,
  InstanceStateDelta,
  IterationSample,
  RequestPatch,
  RequestProgress,
} from '@adagen/protocol';
import type { Result } from '@adagen/protocol';
import { err, ok } from '@adagen/protocol';

/** Fields a patch may carry. */
const PATCHABLE = [
  'phase',
  'prefilledTokens',
  'generatedTokens',
  'firstTokenAtMs',
  'preemptions',
  'predictedOutputTokens',
  'maxTokens',
  'cachedTokens',
] as const;
/** Fields that never change for a request (a change sends it whole). */
const FIXED = [
  'kind',
  'promptTokens',
  'arrivalMs',
  'startToken',
  'endToken',
  'originArrivalMs',
] as const satisfies ReadonlyArray<keyof RequestProgress>;

/**
 * The delta from `prev` to `next` (two states of one agent, `next` later), or undefined when a
 * full state must go instead: another agent, a changed envelope (profile, engine settings,
 * capabilities, calibration, KV size), or a change the delta rules cannot express.
 */
export function diffState(
  prev: InstanceState,
  next: InstanceState,
): InstanceStateDelta | undefined {
  if (!sameEnvelope(prev, next) || next.seq <= prev.seq || next.atMs < prev.atMs) return undefined;
  const before = new Map<string, RequestProgress>();
  for (const r of prev.running) before.set(r.id, r);
  for (const r of prev.waiting) before.set(r.id, r);
  const decodeSteps = commonDecodeSteps(before, next);
  const patch: RequestPatch[] = [];
  const put: RequestProgress[] = [];
  const seen = new Set<string>();
  for (const list of [next.running, next.waiting]) {
    for (const r of list) {
      seen.add(r.id);
      const old = before.get(r.id);
      if (old === undefined) {
        put.push(r);
        continue;
      }
      // What the receiver assumes: decoding requests moved on by `decodeSteps`.
      const assumed =
        decodeSteps > 0 && old.phase === 'decoding'
          ? { ...old, generatedTokens: old.generatedTokens + decodeSteps }
          : old;
      let change = patchOf(assumed, r);
      // A listed request does not move on by itself: its patch is from the base state.
      if (change !== undefined && assumed !== old) change = patchOf(old, r);
      if (change === 'replace') put.push(r);
      else if (change !== undefined) patch.push(change);
    }
  }
  const removed: string[] = [];
  for (const id of before.keys()) if (!seen.has(id)) removed.push(id);
  const lastMs = prev.recentIterations.at(-1)?.startMs ?? Number.NEGATIVE_INFINITY;
  const delta: InstanceStateDelta = {
    v: 1,
    type: 'instance_state_delta',
    instanceId: next.instanceId,
    seq: next.seq,
    baseSeq: prev.seq,
    baseAtMs: prev.atMs,
    atMs: next.atMs,
    status: next.status,
    usedBlocks: next.kv.usedBlocks,
    removed,
    patch,
    put,
    iterations: next.recentIterations.filter((s) => s.startMs > lastMs),
    iterationsKept: next.recentIterations.length,
  };
  if (decodeSteps > 0) delta.decodeSteps = decodeSteps;
  if (next.busySinceMs !== undefined) delta.busySinceMs = next.busySinceMs;
  if (next.busyUntilMs !== undefined) delta.busyUntilMs = next.busyUntilMs;
  // Orders the default rule does not reproduce (a preempted request put back at the head of the
  // queue, say) travel as id lists.
  const applied = applyStateDelta(prev, delta);
  if (!applied.ok) return undefined;
  if (!sameIds(applied.value.running, next.running)) delta.running = next.running.map((r) => r.id);
  if (!sameIds(applied.value.waiting, next.waiting)) delta.waiting = next.waiting.map((r) => r.id);
  if (!sameIterations(applied.value.recentIterations, next.recentIterations)) return undefined;
  return delta;
}

/**
 * `base` moved on by `delta`; an error naming the problem when the delta does not apply to it
 * (another agent, a state it was not taken from — a message was lost or the agent restarted —
 * or a delta that contradicts the state: unknown ids, a request in no or both lists, counts out
 * of bounds).
 */
export function applyStateDelta(
  base: InstanceState,
  delta: InstanceStateDelta,
): Result<InstanceState, string> {
  if (delta.instanceId !== base.instanceId)
    return err(`delta of ${delta.instanceId} does not apply to ${base.instanceId}`);
  if (delta.baseSeq !== base.seq || delta.baseAtMs !== base.atMs)
    return err(
      `delta ${delta.seq} applies to state ${delta.baseSeq} at ${delta.baseAtMs}, not ${base.seq} at ${base.atMs}`,
    );
  if (delta.atMs < base.atMs) return err(`delta at ${delta.atMs} is older than its base`);
  if (delta.usedBlocks > base.kv.totalBlocks)
    return err(`usedBlocks ${delta.usedBlocks} above totalBlocks ${base.kv.totalBlocks}`);
  // This runs for every state message of every agent in every balancer and planner replica,
  // mostly on deltas that move the decoding requests on and add or drop a request or two: an
  // index of the base's requests only when the delta names some, and no copy of what it keeps.
  const steps = delta.decodeSteps ?? 0;
  const names = delta.removed.length + delta.patch.length + delta.put.length > 0;
  const explicit = delta.running !== undefined || delta.waiting !== undefined;
  let byId: Map<string, RequestProgress> | undefined;
  let added: Set<string> | undefined;
  if (names || explicit) {
    const index = new Map<string, RequestProgress>();
    byId = index;
    for (const r of base.running) index.set(r.id, r);
    for (const r of base.waiting) index.set(r.id, r);
    for (const id of delta.removed) {
      if (!index.delete(id)) return err(`removed: unknown request ${id}`);
    }
    if (steps > 0) {
      const listed = new Set<string>();
      for (const p of delta.patch) listed.add(p.id);
      for (const r of delta.put) listed.add(r.id);
      for (const [id, r] of index)
        if (r.phase === 'decoding' && !listed.has(id)) index.set(id, movedOn(r, steps));
    }
    for (const p of delta.patch) {
      const old = index.get(p.id);
      if (old === undefined) return err(`patch: unknown request ${p.id}`);
      const merged = { ...old, ...p };
      const problem = progressProblem(merged);
      if (problem !== undefined) return err(`patch ${p.id}: ${problem}`);
      index.set(p.id, merged);
    }
    for (const r of delta.put) {
      const problem = progressProblem(r);
      if (problem !== undefined) return err(`put ${r.id}: ${problem}`);
      if (!index.has(r.id)) (added ??= new Set()).add(r.id);
      index.set(r.id, r);
    }
  }
  // The default order (see the schema): running keeps its order, then what left the queue;
  // waiting keeps its order, then what went back to it; then what is new, in `put` order.
  let running: RequestProgress[] = [];
  let waiting: RequestProgress[] = [];
  let requeued: RequestProgress[] | undefined;
  const now = (old: RequestProgress): RequestProgress | undefined => {
    if (byId !== undefined) {
      const r = byId.get(old.id);
      return r === undefined || added?.has(r.id) === true ? undefined : r;
    }
    return steps > 0 && old.phase === 'decoding' ? movedOn(old, steps) : old;
  };
  for (const old of base.running) {
    const r = now(old);
    if (r === undefined) continue;
    if (r.phase === 'waiting') (requeued ??= []).push(r);
    else running.push(r);
  }
  for (const old of base.waiting) {
    const r = now(old);
    if (r !== undefined) (r.phase === 'waiting' ? waiting : running).push(r);
  }
  if (requeued !== undefined) for (const r of requeued) waiting.push(r);
  if (added !== undefined)
    for (const id of added) {
      const r = byId!.get(id)!;
      (r.phase === 'waiting' ? waiting : running).push(r);
    }
  // Orders the default rule does not give travel as id lists.
  if (delta.running !== undefined) {
    const r = listed(delta.running, byId!);
    if (!r.ok) return err(`running: ${r.error}`);
    running = r.value;
  }
  if (delta.waiting !== undefined) {
    const w = listed(delta.waiting, byId!);
    if (!w.ok) return err(`waiting: ${w.error}`);
    waiting = w.value;
  }
  if (byId !== undefined && running.length + waiting.length !== byId.size)
    return err(
      `${byId.size} requests, but ${running.length} running and ${waiting.length} waiting`,
    );
  if (explicit) {
    const inBoth = new Set(running.map((q) => q.id));
    if (waiting.some((q) => inBoth.has(q.id))) return err('a request both running and waiting');
  }
  const state: InstanceState = {
    v: base.v,
    type: base.type,
    instanceId: base.instanceId,
    seq: delta.seq,
    atMs: delta.atMs,
    status: delta.status,
    engine: base.engine,
    profile: base.profile,
    config: base.config,
    kv: { totalBlocks: base.kv.totalBlocks, usedBlocks: delta.usedBlocks },
    running,
    waiting,
    recentIterations: lastSamples(base.recentIterations, delta.iterations, delta.iterationsKept),
  };
  if (delta.busySinceMs !== undefined) state.busySinceMs = delta.busySinceMs;
  if (delta.busyUntilMs !== undefined) state.busyUntilMs = delta.busyUntilMs;
  if (base.capabilities !== undefined) state.capabilities = base.capabilities;
  if (base.calibration !== undefined) state.calibration = base.calibration;
  return ok(state);
}

/** A decoding request `steps` tokens on. */
function movedOn(r: RequestProgress, steps: number): RequestProgress {
  return { ...r, generatedTokens: r.generatedTokens + steps };
}

/** The last `kept` of `before` followed by `after`. */
function lastSamples(
  before: readonly IterationSample[],
  after: readonly IterationSample[],
  kept: number,
): IterationSample[] {
  const out: IterationSample[] = [];
  const skip = Math.max(0, before.length + after.length - kept);
  for (let i = skip; i < before.length; i++) out.push(before[i]!);
  for (let i = Math.max(0, skip - before.length); i < after.length; i++) out.push(after[i]!);
  return out;
}

/** True when the delta changes nothing a prediction reads (an idle agent's periodic state). */
export function changesNoWork(delta: InstanceStateDelta, base: InstanceState): boolean {
  return (
    delta.removed.length === 0 &&
    delta.patch.length === 0 &&
    delta.put.length === 0 &&
    delta.decodeSteps === undefined &&
    delta.running === undefined &&
    delta.waiting === undefined &&
    delta.iterations.length === 0 &&
    delta.iterationsKept === base.recentIterations.length &&
    delta.usedBlocks === base.kv.usedBlocks &&
    delta.busySinceMs === base.busySinceMs &&
    delta.busyUntilMs === base.busyUntilMs &&
    delta.status === base.status
  );
}

/** A list in the order the delta gives (ids of requests the state holds, each once). */
function listed(
  ids: readonly string[],
  byId: ReadonlyMap<string, RequestProgress>,
): Result<RequestProgress[], string> {
  const out: RequestProgress[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const r = byId.get(id);
    if (r === undefined) return err(`unknown request ${id}`);
    if (seen.has(id)) return err(`request ${id} listed twice`);
    seen.add(id);
    out.push(r);
  }
  return ok(out);
}

/** A request's changed fields, 'replace' when a field changed that a patch cannot carry. */
function patchOf(old: RequestProgress, r: RequestProgress): RequestPatch | 'replace' | undefined {
  for (const key of FIXED) if (old[key] !== r[key]) return 'replace';
  let patch: Record<string, unknown> | undefined;
  for (const key of PATCHABLE) {
    const now = r[key];
    if (old[key] === now) continue;
    if (now === undefined) return 'replace';
    patch ??= { id: r.id };
    patch[key] = now;
  }
  return patch as RequestPatch | undefined;
}

/**
 * The generated tokens most requests decoding in both states gained (they share the
 * iterations), when at least two did; 0 otherwise.
 */
function commonDecodeSteps(before: ReadonlyMap<string, RequestProgress>, next: InstanceState) {
  const counts = new Map<number, number>();
  for (const r of next.running) {
    const old = before.get(r.id);
    if (old?.phase !== 'decoding' || r.phase !== 'decoding') continue;
    const gained = r.generatedTokens - old.generatedTokens;
    if (gained > 0) counts.set(gained, (counts.get(gained) ?? 0) + 1);
  }
  let best = 0;
  let most = 1;
  for (const [gained, n] of counts)
    if (n > most) {
      best = gained;
      most = n;
    }
  return best;
}

/** The cross-field rule of a request's progress (the field types are the schema's). */
function progressProblem(r: RequestProgress): string | undefined {
  if (r.prefilledTokens > r.promptTokens + r.generatedTokens)
    return `expected prefilledTokens <= promptTokens + generatedTokens (${r.promptTokens + r.generatedTokens}), got ${r.prefilledTokens}`;
  return undefined;
}

function sameEnvelope(a: InstanceState, b: InstanceState): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.profile === b.profile &&
    a.engine === b.engine &&
    a.kv.totalBlocks === b.kv.totalBlocks &&
    sameJson(a.config, b.config) &&
    sameJson(a.capabilities, b.capabilities) &&
    a.calibration?.version === b.calibration?.version &&
    a.calibration?.baseProfile === b.calibration?.baseProfile
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function sameIds(a: readonly RequestProgress[], b: readonly RequestProgress[]): boolean {
  return a.length === b.length && a.every((r, i) => r.id === b[i]!.id);
}

function sameIterations(a: readonly IterationSample[], b: readonly IterationSample[]): boolean {
  return (
    a.length === b.length &&
    a.every((s, i) => {
      const t = b[i]!;
      return (
        s.startMs === t.startMs &&
        s.durationMs === t.durationMs &&
        s.prefillTokens === t.prefillTokens &&
        s.decodeRequests === t.decodeRequests
      );
    })
  );
}
