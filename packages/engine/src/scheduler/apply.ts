import type { InstanceObserver } from '../types.js';
import type { Req } from './request.js';
import { cacheComputed, freeBlocks } from './prefix.js';
import type { EngineState } from './state.js';

/**
 * Emits the next token of `r`. The counter moves outside the optional call: `obs?.f(x++)`
 * would skip the increment when there is no observer.
 */
function emitToken(r: Req, atMs: number, obs: InstanceObserver | undefined): void {
  const index = r.generated;
  r.generated = index + 1;
  obs?.onToken?.(r.id, index, atMs);
}

function finish(s: EngineState, r: Req, atMs: number, obs: InstanceObserver | undefined): void {
  freeBlocks(s, r);
  r.phase = 'done';
  s.byId.delete(r.id);
  obs?.onFinished?.(r.id, atMs);
}

/** The prefill pass of `r` completed at `atMs`: emit its token and move it on. */
function completePass(
  s: EngineState,
  r: Req,
  atMs: number,
  obs: InstanceObserver | undefined,
): void {
  if (r.kind === 'full' || r.kind === 'decode') {
    if (Number.isNaN(r.firstTokenAtMs)) r.firstTokenAtMs = atMs;
    emitToken(r, atMs, obs);
    r.phase = 'decoding';
    if (r.generated >= r.outputTokens) finish(s, r, atMs, obs);
    return;
  }
  // `prefill` and the last `segment` emit the first token; both then hold their KV.
  if (r.outputTokens > 0 && r.generated === 0) {
    r.firstTokenAtMs = atMs;
    emitToken(r, atMs, obs);
  }
  r.phase = 'held';
  s.held.push(r);
  obs?.onPrefillDone?.(r.id, atMs, r.passTokens);
}

/**
 * Applies the batch in progress at its end time `atMs`: prefill progress, one token per
 * decode, prefill-done, finishes (blocks freed). Cancelled requests (phase `done`) are
 * skipped. Returns nothing; `s.running` keeps only prefilling and decoding requests.
 */
export function applyBatch(
  s: EngineState,
  blockSize: number,
  atMs: number,
  obs: InstanceObserver | undefined,
): void {
  const batch = s.batch;
  let leftRunning = false;
  for (let i = 0; i < s.batchLen; i++) {
    const r = batch[i]!;
    if (r.phase === 'done') {
      leftRunning = true;
      continue;
    }
    if (r.schedDecode) {
      r.schedDecode = false;
      if (Number.isNaN(r.firstTokenAtMs)) r.firstTokenAtMs = atMs;
      emitToken(r, atMs, obs);
      if (r.generated >= r.outputTokens) {
        finish(s, r, atMs, obs);
        leftRunning = true;
      }
    } else {
      r.prefilled += r.schedTokens;
      r.schedTokens = 0;
      if (s.cache !== undefined) cacheComputed(s, r, blockSize);
      if (r.prefilled >= r.passTokens) {
        completePass(s, r, atMs, obs);
        if (r.phase !== 'decoding') leftRunning = true;
      }
    }
  }
  s.batchLen = 0;
  if (leftRunning) compactRunning(s);
}

function compactRunning(s: EngineState): void {
  const running = s.running;
  let w = 0;
  for (let i = 0; i < running.length; i++) {
    const r = running[i]!;
    if (r.phase === 'prefilling' || r.phase === 'decoding') running[w++] = r;
  }
  running.length = w;
}
