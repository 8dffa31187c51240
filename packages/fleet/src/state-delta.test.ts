import { SimInstance, builtinProfiles, promptBlockHashes } from '@adagen/engine';
import type { InstanceSnapshot } from '@adagen/engine';
import { createCodec, instanceStateDeltaSchema, instanceStateSchema } from '@adagen/protocol';
import type { InstanceState, InstanceStateDelta, RequestProgress } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { stateOf } from './convert.js';
import { applyStateDelta, diffState } from './state-delta.js';
import { FleetView } from './view.js';

const profile = builtinProfiles['llama-3-8b_a100-80gb_tp1']!;
const deltaCodec = createCodec(instanceStateDeltaSchema);
const fullCodec = createCodec(instanceStateSchema);

const wrap = (snapshot: InstanceSnapshot, seq: number): InstanceState =>
  stateOf(snapshot, { seq, status: 'ready', engine: 'sim' });

/** Prompts sharing their first 64 tokens (4 blocks of 16), for runs with prefix caching. */
const sharedPrefix = (n: number) => ({
  blockHashes: promptBlockHashes(
    Array.from({ length: 90 }, (_, i) => (i < 64 ? i + 1 : 1000 * n + i)),
    16,
  ),
});

/**
 * Every state of a run with arrivals, preemptions, finishes and mid-iteration snapshots; with
 * `prefixCaching`, prompts share a prefix, so requests carry `cachedTokens`.
 */
function run(prefixCaching = false): InstanceState[] {
  const inst = new SimInstance({
    id: 'gpu-1',
    profile,
    config: {
      numGpuBlocks: 24,
      maxNumBatchedTokens: 32,
      maxNumSeqs: 8,
      enablePrefixCaching: prefixCaching,
    },
  });
  const states: InstanceState[] = [];
  let seq = 0;
  let next = 0;
  for (let now = 0; seq < 3000;) {
    // New work now and then, so requests join while others run.
    if (next < 6 && seq % 7 === 0) {
      inst.enqueue(
        {
          kind: 'full',
          id: `r${next}`,
          promptTokens: 90,
          outputTokens: 40,
          meta: { maxTokens: 64 },
          ...(prefixCaching ? { prefix: sharedPrefix(next) } : {}),
        },
        now,
      );
      if (next === 2)
        inst.enqueue(
          { kind: 'segment', id: 's0', promptTokens: 200, startToken: 100, endToken: 150 },
          now,
        );
      next += 1;
    }
    const end = inst.startIteration(now);
    if (end === undefined) break;
    states.push(wrap(inst.snapshot(), seq++));
    inst.finishIteration();
    states.push(wrap(inst.snapshot(), seq++));
    now = end;
  }
  return states;
}

/** Each state's delta from the one before, through the wire codec, rebuilds it exactly. */
function expectChainRebuilt(states: readonly InstanceState[]) {
  let deltas = 0;
  let explicitOrder = 0;
  let steppedAndPatched = 0;
  let sawPreempted = false;
  for (let i = 1; i < states.length; i++) {
    const prev = states[i - 1]!;
    const next = states[i]!;
    if (next.running.some((r) => (r.preemptions ?? 0) > 0)) sawPreempted = true;
    const delta = diffState(prev, next);
    expect(delta, `state ${i}`).toBeDefined();
    if (delta === undefined) continue;
    deltas += 1;
    if (delta.running !== undefined || delta.waiting !== undefined) explicitOrder += 1;
    if (delta.decodeSteps !== undefined && delta.patch.length > 0) steppedAndPatched += 1;
    const decoded = deltaCodec.decode(deltaCodec.encode(delta));
    expect(decoded.ok, decoded.ok ? '' : decoded.error.message).toBe(true);
    if (!decoded.ok) break;
    const applied = applyStateDelta(prev, decoded.value);
    expect(applied.ok, applied.ok ? '' : applied.error).toBe(true);
    if (applied.ok) expect(applied.value).toEqual(next);
  }
  return { deltas, explicitOrder, steppedAndPatched, sawPreempted };
}

describe('state deltas', () => {
  const states = run();

  it('rebuild every next state exactly, through the wire codec, preemptions included', () => {
    expect(states.length).toBeGreaterThan(50);
    const seen = expectChainRebuilt(states);
    expect(seen.sawPreempted).toBe(true);
    expect(seen.deltas).toBe(states.length - 1);
    expect(seen.explicitOrder).toBeGreaterThan(0); // preemptions put requests back at the head
    expect(seen.steppedAndPatched).toBeGreaterThan(0); // decodes moved on while others changed
  });

  it('carry prefix-cache hits (cachedTokens) in full states and deltas', () => {
    const cached = run(true);
    const hits = cached.flatMap((st) => [...st.running, ...st.waiting]);
    expect(hits.some((r) => r.phase === 'waiting' && (r.cachedTokens ?? 0) > 0)).toBe(true);
    expect(hits.some((r) => r.phase !== 'waiting' && (r.cachedTokens ?? 0) > 0)).toBe(true);
    for (const st of cached) {
      const round = fullCodec.decode(fullCodec.encode(st));
      expect(round.ok && round.value).toEqual(st);
    }
    expect(expectChainRebuilt(cached).deltas).toBe(cached.length - 1);
  });

  it('are much smaller than the full state of a busy instance', () => {
    const busy = new SimInstance({ id: 'gpu-2', profile, config: { maxNumSeqs: 256 } });
    for (let i = 0; i < 200; i++)
      busy.enqueue(
        { kind: 'full', id: `req-${i}-abcdefgh`, promptTokens: 20, outputTokens: 400 },
        0,
      );
    let now = 0;
    for (let k = 0; k < 30; k++) now = busy.startIteration(now)! + (busy.finishIteration(), 0);
    const a = wrap(busy.snapshot(), 1);
    for (let k = 0; k < 3; k++) now = busy.startIteration(now)! + (busy.finishIteration(), 0);
    const b = wrap(busy.snapshot(), 2);
    const delta = diffState(a, b)!;
    const fullBytes = fullCodec.encode(b).byteLength;
    const deltaBytes = deltaCodec.encode(delta).byteLength;
    // Every decoding request moved on by the same 3 tokens: one number says so.
    expect(b.running.length).toBeGreaterThan(100);
    expect(delta.decodeSteps).toBe(3);
    expect(delta.patch.length).toBeLessThan(10);
    expect(deltaBytes * 20).toBeLessThan(fullBytes);
    const applied = applyStateDelta(a, delta);
    expect(applied.ok && applied.value).toEqual(b);
  });

  it('refuse to apply on a state they were not taken from, and name why', () => {
    const [s0, s1, s2] = [states[10]!, states[11]!, states[12]!];
    const d12 = diffState(s1, s2)!;
    const gap = applyStateDelta(s0, d12);
    expect(gap.ok).toBe(false);
    if (!gap.ok) expect(gap.error).toMatch(/applies to state 11 .*not 10/);
    const other = applyStateDelta({ ...s1, instanceId: 'gpu-9' }, d12);
    expect(other.ok).toBe(false);
    const bad: InstanceStateDelta = { ...d12, patch: [{ id: 'nobody', generatedTokens: 3 }] };
    const unknown = applyStateDelta(s1, bad);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatch(/patch: unknown request nobody/);
  });

  it('rejects a patch that breaks prefilled <= prompt + generated', () => {
    const i = states.findIndex((s) => s.running.length > 0);
    const base = states[i]!;
    const r = base.running[0]!;
    const delta: InstanceStateDelta = {
      ...diffState(base, { ...base, seq: base.seq + 1 })!,
      patch: [{ id: r.id, prefilledTokens: r.promptTokens + r.generatedTokens + 1 }],
    };
    const out = applyStateDelta(base, delta);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatch(/prefilledTokens <= promptTokens/);
  });

  it('order by the default rule when the delta lists no order: kept, then moved, then new', () => {
    const req = (id: string, phase: RequestProgress['phase'], generatedTokens = 0) => ({
      id,
      kind: 'full' as const,
      promptTokens: 10,
      phase,
      prefilledTokens: phase === 'waiting' ? 0 : 10,
      generatedTokens,
      arrivalMs: 0,
    });
    const base: InstanceState = {
      ...states[0]!,
      running: [req('a', 'decoding', 3), req('b', 'decoding', 5), req('c', 'prefilling')],
      waiting: [req('w1', 'waiting'), req('w2', 'waiting')],
    };
    const delta = (change: Partial<InstanceStateDelta>): InstanceStateDelta => ({
      ...diffState(base, { ...base, seq: base.seq + 1 })!,
      ...change,
    });
    const ids = (s: InstanceState) => [s.running.map((r) => r.id), s.waiting.map((r) => r.id)];
    // Nothing named: decoding requests move on, the lists keep their order.
    const stepped = applyStateDelta(base, delta({ decodeSteps: 2 }));
    expect(stepped.ok && stepped.value.running.map((r) => r.generatedTokens)).toEqual([5, 7, 0]);
    expect(stepped.ok && ids(stepped.value)).toEqual([
      ['a', 'b', 'c'],
      ['w1', 'w2'],
    ]);
    // `a` back to the queue goes after the queue; `w1` admitted goes after the running ones;
    // new requests after both; `b` gone; `c` patched, so not moved on.
    const moved = applyStateDelta(
      base,
      delta({
        decodeSteps: 1,
        removed: ['b'],
        patch: [
          { id: 'a', phase: 'waiting', prefilledTokens: 0 },
          { id: 'w1', phase: 'prefilling', prefilledTokens: 4 },
        ],
        put: [req('n1', 'waiting'), req('n2', 'prefilling')],
      }),
    );
    expect(moved.ok && ids(moved.value)).toEqual([
      ['c', 'w1', 'n2'],
      ['w2', 'a', 'n1'],
    ]);
    // Names that are not there are refused, twice-removed ones too.
    const twice = applyStateDelta(base, delta({ removed: ['b', 'b'] }));
    expect(!twice.ok && twice.error).toBe('removed: unknown request b');
    const gone = applyStateDelta(
      base,
      delta({ removed: ['b'], patch: [{ id: 'b', phase: 'held' }] }),
    );
    expect(!gone.ok && gone.error).toBe('patch: unknown request b');
  });

  it('go full when the envelope changes (profile, engine settings, calibration)', () => {
    const [a, b] = [states[3]!, states[4]!];
    expect(diffState(a, { ...b, profile: 'h100' })).toBeUndefined();
    expect(diffState(a, { ...b, config: { ...b.config, maxNumSeqs: 9 } })).toBeUndefined();
    expect(diffState(a, { ...b, instanceId: 'gpu-2' })).toBeUndefined();
  });
});

describe('FleetView with deltas', () => {
  const states = run();

  it('applies deltas in sequence, waits for a full state after a gap', () => {
    const v = new FleetView({ staleAfterMs: 1e9 });
    v.applyState(states[0]!, 0);
    const snap = () => v.cluster(0).instances[0]!.snapshot;
    expect(v.applyDelta(diffState(states[0]!, states[1]!)!, 1)).toEqual({ changed: false });
    expect(snap().atMs).toBe(states[1]!.atMs);
    // states[2] is lost: the delta to states[3] does not apply, the view keeps states[1].
    const gap = v.applyDelta(diffState(states[2]!, states[3]!)!, 2);
    expect('gap' in gap ? gap.gap : '').toMatch(/applies to state 2/);
    expect(snap().atMs).toBe(states[1]!.atMs);
    expect(v.applyDelta(diffState(states[3]!, states[4]!)!, 3)).toHaveProperty('gap');
    // The next full state resynchronises; deltas apply again after it.
    v.applyState(states[4]!, 4);
    expect(v.applyDelta(diffState(states[4]!, states[5]!)!, 5)).toEqual({ changed: false });
    const { v: _v, type: _t, seq: _s, status: _st, engine: _e, ...expected } = states[5]!;
    expect(snap()).toEqual(expected);
  });

  it('keeps an agent whose deltas do not apply in placement (it is publishing)', () => {
    const v = new FleetView({ staleAfterMs: 500 });
    v.applyState(states[0]!, 0);
    expect(v.applyDelta(diffState(states[1]!, states[2]!)!, 400)).toHaveProperty('gap');
    expect(v.sweep(800)).toEqual([]);
    // A lone agent is the whole fleet: quiet with nothing else heard, it goes after 4 × 500 ms.
    expect(v.sweep(2400)).toEqual([]);
    expect(v.sweep(2401)).toEqual(['gpu-1']);
  });

  it('gives no full state yet as the gap of an unknown agent', () => {
    const v = new FleetView();
    expect(v.applyDelta(diffState(states[0]!, states[1]!)!, 0)).toEqual({
      gap: 'no full state from this agent yet',
    });
  });

  it('keeps the snapshot object (and so the estimator cache) when a delta changes no work', () => {
    const idle = { ...states[0]!, running: [], waiting: [], recentIterations: [] };
    delete idle.busySinceMs;
    delete idle.busyUntilMs;
    const later = { ...idle, seq: idle.seq + 1, atMs: idle.atMs + 100 };
    const v = new FleetView();
    v.applyState(idle, 0);
    const before = v.cluster(0).instances[0]!.snapshot;
    v.applyDelta(diffState(idle, later)!, 100);
    expect(v.cluster(100).instances[0]!.snapshot).toBe(before);
    const busy = diffState(later, { ...states[1]!, seq: later.seq + 1, atMs: later.atMs + 1 });
    expect(busy).toBeDefined();
    v.applyDelta(busy!, 101);
    expect(v.cluster(101).instances[0]!.snapshot).not.toBe(before);
  });
});
