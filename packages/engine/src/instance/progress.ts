import type { Req } from '../scheduler/request.js';
import type { RequestPhase, RequestProgress } from '../types.js';

/** The outside view of one request record. */
export function toProgress(r: Req): RequestProgress {
  const p: RequestProgress = {
    id: r.id,
    kind: r.kind,
    promptTokens: r.promptTokens,
    phase: r.phase === 'done' ? 'waiting' : r.phase,
    prefilledTokens:
      r.phase === 'decoding' ? r.promptTokens : r.phase === 'held' ? r.passTokens : r.prefilled,
    generatedTokens: r.generated,
    arrivalMs: r.arrivalMs,
  };
  if (r.preemptions > 0) p.preemptions = r.preemptions;
  if (r.cachedTokens > 0 && r.phase !== 'waiting') p.cachedTokens = r.cachedTokens;
  if (!Number.isNaN(r.firstTokenAtMs)) p.firstTokenAtMs = r.firstTokenAtMs;
  if (r.kind === 'segment') {
    p.startToken = r.startToken;
    p.endToken = r.endToken;
  }
  const m = r.meta;
  if (m?.maxTokens !== undefined) p.maxTokens = m.maxTokens;
  if (m?.predictedOutputTokens !== undefined) p.predictedOutputTokens = m.predictedOutputTokens;
  if (m?.originArrivalMs !== undefined) p.originArrivalMs = m.originArrivalMs;
  return p;
}

/**
 * Rebuilds a request record from its progress, with `outputTokens` for `full`/`decode` items
 * (raised to generatedTokens + 1 if a prediction is already exceeded). KV blocks follow from
 * the token counts: a prefill pass holds blocks for the whole pass; a decoding request holds
 * ⌈(prompt + generated − 1) / blockSize⌉ (the KV of every token but the newest).
 */
export function fromProgress(p: RequestProgress, outputTokens: number, blockSize: number): Req {
  const phase: RequestPhase = p.phase;
  const g = p.generatedTokens;
  const isSegment = p.kind === 'segment';
  const startToken = isSegment ? (p.startToken ?? 0) : 0;
  const endToken = isSegment ? (p.endToken ?? p.promptTokens) : p.promptTokens;
  let out: number;
  if (p.kind === 'full' || p.kind === 'decode') out = Math.max(outputTokens, g + 1);
  else if (p.kind === 'prefill') out = 1;
  else out = endToken === p.promptTokens ? 1 : 0;
  const directDecode = p.kind === 'decode' && phase === 'waiting' && (p.preemptions ?? 0) === 0;
  const passTokens = isSegment ? endToken - startToken : p.promptTokens + g; // for a decoding request only used again after a preemption
  let blocks = 0;
  if (phase === 'prefilling' || phase === 'held') blocks = Math.ceil(passTokens / blockSize);
  else if (phase === 'decoding') blocks = Math.ceil((p.promptTokens + g - 1) / blockSize);
  const meta =
    p.maxTokens === undefined &&
    p.predictedOutputTokens === undefined &&
    p.originArrivalMs === undefined
      ? undefined
      : {
          maxTokens: p.maxTokens,
          predictedOutputTokens: p.predictedOutputTokens,
          originArrivalMs: p.originArrivalMs,
        };
  return {
    id: p.id,
    kind: p.kind,
    promptTokens: p.promptTokens,
    outputTokens: out,
    startToken,
    endToken,
    arrivalMs: p.arrivalMs,
    meta,
    phase,
    passTokens,
    prefilled: phase === 'waiting' ? 0 : p.prefilledTokens,
    generated: g,
    firstTokenAtMs: p.firstTokenAtMs ?? Number.NaN,
    blocks,
    preemptions: p.preemptions ?? 0,
    directDecode,
    schedTokens: 0,
    schedDecode: false,
    hashes: undefined,
    // A waiting request's cached prefix is assumed still cached at its admission.
    assumedCached: phase === 'waiting' ? (p.cachedTokens ?? 0) : 0,
    refs: undefined,
    cachedTokens: phase === 'waiting' ? 0 : (p.cachedTokens ?? 0),
  };
}
