import type { InstanceObserver } from '../types.js';
import { Admit, admitHead, preemptLast, requeuePreempted } from './admission.js';
import type { EngineConfig } from './config.js';
import { allocateBlocks, heldBlocks } from './prefix.js';
import type { Req } from './request.js';
import type { EngineState } from './state.js';

function scheduleChunk(s: EngineState, r: Req, tokens: number): void {
  r.schedTokens = tokens;
  s.batch[s.batchLen++] = r;
  s.prefillTokens += tokens;
  s.prefillAttnWork += tokens * (r.startToken + r.prefilled + tokens / 2);
}

function scheduleDecode(s: EngineState, r: Req): void {
  r.schedDecode = true;
  s.batch[s.batchLen++] = r;
  s.decodeRequests++;
  s.decodeContextTokens += r.promptTokens + r.generated;
}

/**
 * One decode token for every decoding running request, in FCFS (arrival) order. A request
 * whose next token needs a new block when none is free preempts the latest-arrived running
 * request (possibly itself). Returns the decodes scheduled.
 */
function scheduleDecodes(
  s: EngineState,
  cfg: EngineConfig,
  nowMs: number,
  obs: InstanceObserver | undefined,
): number {
  const running = s.running;
  const bs = cfg.blockSize;
  const total = cfg.numGpuBlocks;
  // Only binds after a what-if rebuild with fewer seqs than are running.
  const limit = Math.min(cfg.maxNumSeqs, cfg.maxNumBatchedTokens);
  let n = 0;
  for (let i = 0; i < running.length && n < limit; i++) {
    const r = running[i]!;
    if (r.phase !== 'decoding') continue;
    const need = Math.ceil((r.promptTokens + r.generated) / bs) - heldBlocks(r);
    if (need > 0) {
      while (total - s.usedBlocks < need) {
        if (preemptLast(s, nowMs, obs) === r) break;
      }
      if (r.phase !== 'decoding') break; // r preempted itself: it was the last running
      r.blocks += need;
      allocateBlocks(s, cfg, need);
    }
    scheduleDecode(s, r);
    n++;
  }
  return n;
}

/** vLLM V0 chunked-prefill step: decodes, then running prefill chunks, then FCFS admissions. */
function formChunked(
  s: EngineState,
  cfg: EngineConfig,
  nowMs: number,
  obs: InstanceObserver | undefined,
): void {
  let budget = cfg.maxNumBatchedTokens - scheduleDecodes(s, cfg, nowMs, obs);
  const running = s.running;
  for (let i = 0; i < running.length && budget > 0 && s.batchLen < cfg.maxNumSeqs; i++) {
    const r = running[i]!;
    if (r.phase !== 'prefilling') continue;
    const t = Math.min(r.passTokens - r.prefilled, budget);
    scheduleChunk(s, r, t);
    budget -= t;
  }
  // As vLLM V0: new prefills are admitted even in a step that preempted; the preempted
  // requests are not in the waiting queue until the step is formed.
  while (budget > 0 && running.length < cfg.maxNumSeqs) {
    const r = s.waitingPeek();
    if (r === undefined) break;
    const res = admitHead(s, cfg, r, nowMs, obs, Infinity);
    if (res === Admit.later) break; // FCFS: never skip the head
    if (res === Admit.rejected) continue;
    if (r.phase === 'decoding') {
      scheduleDecode(s, r);
      budget -= 1;
    } else {
      const t = Math.min(r.passTokens - r.prefilled, budget);
      scheduleChunk(s, r, t);
      budget -= t;
    }
  }
}

/**
 * vLLM V0 default (non-chunked) step: a batch of whole prompts admitted FCFS within the token
 * budget and maxNumSeqs, prioritised over decodes; if there is none, one decode for every
 * running request.
 */
function formWholePrompts(
  s: EngineState,
  cfg: EngineConfig,
  nowMs: number,
  obs: InstanceObserver | undefined,
): void {
  admitWholePrompts(s, cfg, nowMs, obs);
  if (s.batchLen === 0) scheduleDecodes(s, cfg, nowMs, obs);
}

function admitWholePrompts(
  s: EngineState,
  cfg: EngineConfig,
  nowMs: number,
  obs: InstanceObserver | undefined,
): void {
  let budget = cfg.maxNumBatchedTokens;
  const running = s.running;
  // Partial prefills only exist after a rebuild from a chunked snapshot: finish them first.
  for (let i = 0; i < running.length && s.batchLen < cfg.maxNumSeqs; i++) {
    const r = running[i]!;
    const t = r.passTokens - r.prefilled;
    if (r.phase !== 'prefilling' || t > budget) continue;
    scheduleChunk(s, r, t);
    budget -= t;
  }
  while (running.length < cfg.maxNumSeqs) {
    const r = s.waitingPeek();
    if (r === undefined) break;
    const res = admitHead(s, cfg, r, nowMs, obs, budget);
    if (res === Admit.later) break;
    if (res === Admit.rejected || r.phase === 'decoding') continue;
    const t = r.passTokens - r.prefilled; // the cached prefix is not computed
    scheduleChunk(s, r, t);
    budget -= t;
  }
}

/** Forms the next iteration's batch into `s` (batch, features, admitted/preempted counts). */
export function formBatch(
  s: EngineState,
  cfg: EngineConfig,
  nowMs: number,
  obs: InstanceObserver | undefined,
): void {
  s.resetBatch();
  const form = cfg.enableChunkedPrefill ? formChunked : formWholePrompts;
  form(s, cfg, nowMs, obs);
  if (s.preemptedNow.length === 0) return;
  requeuePreempted(s);
  // Everything running was preempted: vLLM would run an empty step and admit next time; we
  // form that next step at once (an empty step takes no time here).
  if (s.batchLen === 0) form(s, cfg, nowMs, obs);
}
