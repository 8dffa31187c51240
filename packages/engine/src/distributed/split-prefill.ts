import { builtinProfiles } from '../latency/builtin.js';
import { LatencyModel } from '../latency/model.js';
import { kvTransferMs } from './links.js';
import type { Link } from './links.js';

/** A contiguous range [startToken, endToken) of one prompt. */
export interface Segment {
  startToken: number;
  endToken: number;
}

export interface PlanSegmentsOptions {
  /** Cost model for a segment's prefill. @default the built-in A100 profile */
  model?: LatencyModel;
  /** Chunk size the instances prefill with (their token budget). @default 512 */
  chunkTokens?: number;
}

let defaultModel: LatencyModel | undefined;
const a100 = (): LatencyModel =>
  (defaultModel ??= new LatencyModel(builtinProfiles['llama-3-8b_a100-80gb_tp1']!));

/**
 * Splits a prompt into at most `k` contiguous segments balanced by work — each segment's
 * prefill time alone on an instance, attention to all earlier tokens included — not by token
 * count, so later segments are shorter. Min–max partition: binary search on the largest
 * segment time, greedy packing for each candidate.
 */
export function planSegments(
  promptTokens: number,
  k: number,
  options: PlanSegmentsOptions = {},
): Segment[] {
  if (!Number.isSafeInteger(promptTokens) || promptTokens < 1) {
    throw new RangeError(`promptTokens must be an integer >= 1, got ${promptTokens}`);
  }
  if (!Number.isSafeInteger(k) || k < 1)
    throw new RangeError(`k must be an integer >= 1, got ${k}`);
  const model = options.model ?? a100();
  const chunk = options.chunkTokens ?? 512;
  const cost = (s: number, e: number) => model.prefillAloneMs(s, e, chunk);
  const pack = (limitMs: number): Segment[] | undefined => {
    const out: Segment[] = [];
    let s = 0;
    while (s < promptTokens) {
      if (out.length === k) return undefined;
      // Largest e in (s, promptTokens] with cost(s, e) <= limit (at least one token).
      let lo = s + 1;
      let hi = promptTokens;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (cost(s, mid) <= limitMs) lo = mid;
        else hi = mid - 1;
      }
      out.push({ startToken: s, endToken: lo });
      s = lo;
    }
    return out;
  };
  let lo = 0;
  let hi = cost(0, promptTokens);
  let best = pack(hi)!;
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    const p = pack(mid);
    if (p) {
      best = p;
      hi = mid;
    } else lo = mid;
  }
  return best;
}

export interface SplitPrefillOptions {
  model: LatencyModel;
  link: Link;
  bytesPerToken: number;
  /** Share of each segment's KV receive hidden under its compute, 0..1. @default 0 */
  overlap?: number;
  /** Chunk size the instances prefill with. @default 512 */
  chunkTokens?: number;
  /** Where decoding continues: on the last segment's instance, or a separate one. @default 'last' */
  decodeOn?: 'last' | 'separate';
}

export interface SplitPrefillTiming {
  segments: Array<Segment & { computeMs: number; receiveMs: number; doneMs: number }>;
  /** When every segment is done (the first token comes from the last segment), from start. */
  prefillDoneMs: number;
  /** Time for the decode instance to gather the KV it does not hold. */
  gatherMs: number;
  /** prefillDoneMs + gatherMs: decoding can start. */
  decodeReadyMs: number;
}

/**
 * Timing of a split prefill on idle instances, all segments starting at 0. Segment j receives
 * the KV of [0, startⱼ) for its attention: doneⱼ = computeⱼ + receiveⱼ − overlap·min(computeⱼ,
 * receiveⱼ). Then the decode instance gathers the KV it lacks (the earlier segments' for
 * 'last', the whole prompt's for 'separate').
 */
export function splitPrefillTiming(
  promptTokens: number,
  segments: ReadonlyArray<Segment>,
  options: SplitPrefillOptions,
): SplitPrefillTiming {
  const overlap = options.overlap ?? 0;
  if (!(overlap >= 0 && overlap <= 1))
    throw new RangeError(`overlap must be in [0, 1], got ${overlap}`);
  const chunk = options.chunkTokens ?? 512;
  const out = segments.map((seg) => {
    const computeMs = options.model.prefillAloneMs(seg.startToken, seg.endToken, chunk);
    const receiveMs = kvTransferMs(seg.startToken, options.bytesPerToken, options.link);
    const doneMs = computeMs + receiveMs - overlap * Math.min(computeMs, receiveMs);
    return { ...seg, computeMs, receiveMs, doneMs };
  });
  const prefillDoneMs = Math.max(0, ...out.map((s) => s.doneMs));
  const last = segments[segments.length - 1];
  const missing = options.decodeOn === 'separate' ? promptTokens : (last?.startToken ?? 0);
  const gatherMs = kvTransferMs(missing, options.bytesPerToken, options.link);
  return { segments: out, prefillDoneMs, gatherMs, decodeReadyMs: prefillDoneMs + gatherMs };
}
