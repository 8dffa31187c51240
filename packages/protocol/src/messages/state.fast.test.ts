import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTypedCheckLaw,
  expectCodecRefuses,
  expectLeftToSchema,
} from '../testing/typed-check-law.js';
import { createCodec } from '../codec.js';
import { isInstanceState, isInstanceStateDelta, isStateMessageFast } from './state.fast.js';
import { instanceStateDeltaSchema, instanceStateSchema, stateMessageSchema } from './state.js';
import type { InstanceState, InstanceStateDelta } from './state.js';
import { edge, id, or, plainRecord, time, tokens } from '../testing/fast-arbitraries.js';

const phase = fc.constantFrom('waiting', 'prefilling', 'decoding', 'held');

const patch = plainRecord(
  {
    id: or(id),
    phase: or(phase),
    prefilledTokens: or(tokens),
    generatedTokens: or(tokens),
    firstTokenAtMs: or(time),
    preemptions: or(fc.nat(5)),
    predictedOutputTokens: or(tokens),
    maxTokens: or(tokens),
    cachedTokens: or(tokens),
  },
  { requiredKeys: ['id'] },
);
const progress = plainRecord(
  {
    id: or(id),
    kind: or(fc.constantFrom('full', 'prefill', 'decode', 'segment')),
    promptTokens: or(tokens),
    phase: or(phase),
    prefilledTokens: or(edge(fc.nat(100), 1300)),
    generatedTokens: or(tokens),
    firstTokenAtMs: or(time),
    preemptions: or(fc.nat(5)),
    arrivalMs: or(time),
    startToken: or(tokens),
    // Mostly after startToken, sometimes not (the schema's cross-field rule).
    endToken: or(edge(fc.integer({ min: 601, max: 1200 }), 0)),
    maxTokens: or(tokens),
    predictedOutputTokens: or(tokens),
    originArrivalMs: or(time),
    cachedTokens: or(tokens),
  },
  {
    requiredKeys: [
      'id',
      'kind',
      'promptTokens',
      'phase',
      'prefilledTokens',
      'generatedTokens',
      'arrivalMs',
    ],
  },
);
const sample = plainRecord({
  startMs: or(time),
  durationMs: or(edge(fc.double({ min: 0, max: 100, noNaN: true }), 1e9 + 1)),
  prefillTokens: or(tokens),
  decodeRequests: or(edge(fc.nat(64), 65_537)),
});
const ids = fc.array(id, { maxLength: 3 });
const delta = plainRecord(
  {
    v: or(fc.constant(1)),
    type: or(fc.constant('instance_state_delta')),
    instanceId: or(id),
    // Mostly after its base, sometimes not (the schema's cross-field rule).
    seq: or(
      fc.oneof(
        { arbitrary: fc.integer({ min: 11, max: 20 }), weight: 10 },
        { arbitrary: fc.nat(10), weight: 1 },
      ),
    ),
    baseSeq: or(fc.nat(10)),
    baseAtMs: or(time),
    atMs: or(time),
    status: or(fc.constantFrom('ready', 'draining')),
    usedBlocks: or(edge(fc.nat(1000), 16_777_217)),
    removed: or(ids),
    decodeSteps: or(edge(fc.integer({ min: 1, max: 3 }), 0)),
    patch: or(fc.array(patch, { maxLength: 3 })),
    put: or(fc.array(progress, { maxLength: 2 })),
    running: or(ids),
    waiting: or(ids),
    iterations: or(fc.array(sample, { maxLength: 3 })),
    iterationsKept: or(edge(fc.nat(16), 257)),
    busySinceMs: or(time),
    busyUntilMs: or(time),
  },
  {
    requiredKeys: [
      'v',
      'type',
      'instanceId',
      'seq',
      'baseSeq',
      'baseAtMs',
      'atMs',
      'status',
      'usedBlocks',
      'removed',
      'patch',
      'put',
      'iterations',
      'iterationsKept',
    ],
  },
);

const bool = or(fc.boolean());
const coefficient = or(edge(fc.double({ min: -10, max: 10, noNaN: true }), 1e6 + 1));
const calibration = plainRecord({
  baseProfile: or(fc.constantFrom('a100', 'llama-3-8b_a100-80gb_tp1', 'x'.repeat(129))),
  version: or(fc.nat(9)),
  observations: or(fc.nat(900)),
  medianError: or(edge(fc.double({ min: 0, max: 1, noNaN: true }), 1e6 + 1)),
  latency: or(
    plainRecord(
      {
        knots: or(
          fc.oneof(
            {
              arbitrary: fc.array(fc.double({ min: 0, max: 8192, noNaN: true }), {
                minLength: 3,
                maxLength: 3,
              }),
              weight: 10,
            },
            { arbitrary: fc.array(fc.nat(8192), { maxLength: 4 }), weight: 1 },
            { arbitrary: fc.constant([0, 1, Number.POSITIVE_INFINITY]), weight: 1 },
          ),
        ),
        b0: coefficient,
        b1: coefficient,
        b2: coefficient,
        b3: coefficient,
        m0: coefficient,
        c2: coefficient,
        c4: coefficient,
      },
      { requiredKeys: ['knots', 'b0', 'b1', 'b2', 'b3', 'c2', 'c4'] },
    ),
  ),
  cpuOverhead: or(
    plainRecord({
      fixedMs: or(edge(fc.double({ min: 0, max: 5, noNaN: true }), -1)),
      perSeqMs: or(edge(fc.double({ min: 0, max: 1, noNaN: true }), 1e6 + 1)),
    }),
  ),
});
const full = plainRecord(
  {
    v: or(fc.constant(1)),
    type: or(fc.constant('instance_state')),
    instanceId: or(id),
    seq: or(fc.nat(20)),
    atMs: or(time),
    status: or(fc.constantFrom('ready', 'draining')),
    engine: or(fc.constantFrom('sim', 'llama', 'http', 'vllm')),
    profile: or(fc.constantFrom('a100', 'h100', 'x'.repeat(129))),
    config: or(
      plainRecord(
        {
          maxNumBatchedTokens: or(edge(fc.integer({ min: 1, max: 8192 }), 0)),
          maxNumSeqs: or(edge(fc.integer({ min: 1, max: 256 }), 0)),
          enableChunkedPrefill: bool,
          blockSize: or(edge(fc.constantFrom(16, 32), 0)),
          watermark: or(edge(fc.double({ min: 0, max: 1, noNaN: true }), 1.5)),
          maxModelLen: or(edge(fc.integer({ min: 1, max: 8192 }), 0)),
        },
        {
          requiredKeys: ['maxNumBatchedTokens', 'maxNumSeqs', 'enableChunkedPrefill', 'blockSize'],
        },
      ),
    ),
    kv: or(
      plainRecord({
        // Mostly used ≤ total, sometimes not (the schema's cross-field rule).
        totalBlocks: or(edge(fc.integer({ min: 500, max: 1000 }), 16_777_217)),
        usedBlocks: or(edge(fc.nat(500), 1001)),
      }),
    ),
    // One request at most per list: each carries a dozen fields that may break a rule.
    running: or(fc.array(progress, { maxLength: 1 })),
    waiting: or(fc.array(progress, { maxLength: 1 })),
    recentIterations: or(fc.array(sample, { maxLength: 2 })),
    busySinceMs: or(time),
    busyUntilMs: or(time),
    capabilities: or(
      plainRecord(
        {
          pdSplit: bool,
          splitPrefill: bool,
          stop: bool,
          logprobs: bool,
          sampling: bool,
          samplingFields: or(
            fc.array(fc.constantFrom('temperature', 'topP', 'x'.repeat(33)), { maxLength: 3 }),
          ),
          maxModelLen: or(edge(fc.integer({ min: 1, max: 8192 }), 0)),
          prefixCaching: bool,
        },
        {
          requiredKeys: [
            'pdSplit',
            'splitPrefill',
            'stop',
            'logprobs',
            'sampling',
            'maxModelLen',
            'prefixCaching',
          ],
        },
      ),
    ),
    calibration: or(calibration),
  },
  {
    requiredKeys: [
      'v',
      'type',
      'instanceId',
      'seq',
      'atMs',
      'status',
      'engine',
      'profile',
      'config',
      'kv',
      'running',
      'waiting',
      'recentIterations',
    ],
  },
);

const validDelta: InstanceStateDelta = {
  v: 1,
  type: 'instance_state_delta',
  instanceId: 'gpu-1',
  seq: 8,
  baseSeq: 7,
  baseAtMs: 100,
  atMs: 112.5,
  status: 'ready',
  usedBlocks: 40,
  removed: ['r-0'],
  decodeSteps: 2,
  patch: [{ id: 'r-1', phase: 'decoding', prefilledTokens: 256, generatedTokens: 1 }],
  put: [
    {
      id: 'r-9',
      kind: 'full',
      promptTokens: 256,
      phase: 'waiting',
      prefilledTokens: 0,
      generatedTokens: 0,
      arrivalMs: 111,
      maxTokens: 500,
    },
  ],
  iterations: [{ startMs: 100, durationMs: 6.25, prefillTokens: 256, decodeRequests: 3 }],
  iterationsKept: 16,
  busySinceMs: 112,
  busyUntilMs: 118,
};

describe('isInstanceStateDelta (the state subject’s hand-written check)', () => {
  it('accepts exactly what the schema accepts, and the schema returns such a value unchanged', () => {
    const n = checkTypedCheckLaw(isInstanceStateDelta, instanceStateDeltaSchema, delta, {
      seed: 15,
      leftToSchema: () => false,
    });
    // Both sides of the rule were exercised, not one.
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('leaves to the schema what it would change: unknown keys at any depth', () => {
    const extra = [
      { ...validDelta, extra: 1 },
      { ...validDelta, patch: [{ ...validDelta.patch[0]!, extra: 1 }] },
      { ...validDelta, put: [{ ...validDelta.put[0]!, extra: 1 }] },
      { ...validDelta, iterations: [{ ...validDelta.iterations[0]!, extra: 1 }] },
    ];
    expect(isInstanceStateDelta(validDelta)).toBe(true);
    expectLeftToSchema(isInstanceStateDelta, instanceStateDeltaSchema, extra);
  });

  it('keeps the schema’s cross-field rules', () => {
    const put = validDelta.put[0]!;
    expect(isInstanceStateDelta({ ...validDelta, baseSeq: 8 })).toBe(false);
    expect(isInstanceStateDelta({ ...validDelta, put: [{ ...put, prefilledTokens: 257 }] })).toBe(
      false,
    );
    expect(isInstanceStateDelta({ ...validDelta, put: [{ ...put, kind: 'segment' }] })).toBe(false);
    expect(
      isInstanceStateDelta({
        ...validDelta,
        put: [{ ...put, kind: 'segment', startToken: 100, endToken: 100 }],
      }),
    ).toBe(false);
    expect(
      isInstanceStateDelta({
        ...validDelta,
        put: [{ ...put, kind: 'segment', startToken: 100, endToken: 150 }],
      }),
    ).toBe(true);
  });
});

const validState: InstanceState = {
  v: 1,
  type: 'instance_state',
  instanceId: 'gpu-1',
  seq: 7,
  atMs: 100,
  status: 'ready',
  engine: 'sim',
  profile: 'a100',
  config: { maxNumBatchedTokens: 512, maxNumSeqs: 256, enableChunkedPrefill: true, blockSize: 16 },
  kv: { totalBlocks: 1000, usedBlocks: 40 },
  running: [{ ...validDelta.put[0]!, phase: 'decoding', prefilledTokens: 256, generatedTokens: 3 }],
  waiting: [],
  recentIterations: validDelta.iterations,
  capabilities: {
    pdSplit: true,
    splitPrefill: true,
    stop: true,
    logprobs: false,
    sampling: true,
    samplingFields: ['temperature'],
    maxModelLen: 8192,
    prefixCaching: true,
  },
  calibration: {
    baseProfile: 'a100',
    version: 2,
    observations: 400,
    medianError: 0.04,
    latency: { knots: [64, 512, 2048], b0: 5, b1: 0.01, b2: 0, b3: 0, c2: 0.02, c4: 0 },
    cpuOverhead: { fixedMs: 0.5, perSeqMs: 0.01 },
  },
};

describe('isInstanceState (full states on the state subject)', () => {
  it('accepts exactly what the schema accepts, and the schema returns such a value unchanged', () => {
    const n = checkTypedCheckLaw(isInstanceState, instanceStateSchema, full, {
      seed: 16,
      numRuns: 8000,
      leftToSchema: () => false,
    });
    expect(n.accepted).toBeGreaterThan(200);
    expect(n.refused).toBeGreaterThan(200);
  });

  it('leaves to the schema what it would change: unknown keys at any depth', () => {
    const cal = validState.calibration!;
    const extra = [
      { ...validState, extra: 1 },
      { ...validState, config: { ...validState.config, extra: 1 } },
      { ...validState, kv: { ...validState.kv, extra: 1 } },
      { ...validState, capabilities: { ...validState.capabilities, extra: 1 } },
      { ...validState, calibration: { ...cal, extra: 1 } },
      { ...validState, calibration: { ...cal, latency: { ...cal.latency, extra: 1 } } },
      { ...validState, calibration: { ...cal, cpuOverhead: { ...cal.cpuOverhead, extra: 1 } } },
      { ...validState, running: [{ ...validState.running[0]!, extra: 1 }] },
    ];
    expect(isInstanceState(validState)).toBe(true);
    expectLeftToSchema(isInstanceState, instanceStateSchema, extra);
  });

  it('keeps the schema’s cross-field rule on the KV blocks', () => {
    expect(isInstanceState({ ...validState, kv: { totalBlocks: 40, usedBlocks: 40 } })).toBe(true);
    expect(isInstanceState({ ...validState, kv: { totalBlocks: 39, usedBlocks: 40 } })).toBe(false);
  });
});

describe('the state codec with the fast check', () => {
  it('decodes a full state as the schema does, and refuses a bad one naming the field', () => {
    const codec = createCodec(stateMessageSchema, { fastCheck: isStateMessageFast });
    expect(isStateMessageFast(validState)).toBe(true);
    expect(codec.decode(codec.encode(validState))).toEqual({ ok: true, value: validState });
    const bytes = createCodec(stateMessageSchema, { validateOnEncode: false }).encode({
      ...validState,
      config: { ...validState.config, maxNumSeqs: 0 },
    });
    const decoded = codec.decode(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.message).toContain('config.maxNumSeqs');
  });

  const codec = createCodec(stateMessageSchema, { fastCheck: isStateMessageFast });

  it('decodes a delta as the schema does', () => {
    const decoded = codec.decode(codec.encode(validDelta));
    expect(decoded).toEqual({ ok: true, value: validDelta });
  });

  it('refuses a malformed delta with the schema’s error naming the field', () => {
    const bad = { ...validDelta, patch: [{ id: 'r-1', generatedTokens: -3 }] };
    expectCodecRefuses(stateMessageSchema, bad, 'patch[0].generatedTokens');
  });
});
