import type { InstanceObserver } from '../types.js';
import type { EngineConfig } from './config.js';
import type { Req } from './request.js';
import { admitBlocks, freeBlocks, planAdmission } from './prefix.js';
import type { EngineState } from './state.js';

export const Admit = { ok: 0, later: 1, rejected: 2 } as const;
export type AdmitResult = (typeof Admit)[keyof typeof Admit];

/**
 * Tries to admit the head of the waiting queue (`r`). Blocks for the whole prefill pass (or,
 * for a `decode` item, its whole context) are allocated at once, keeping `watermarkBlocks`
 * free (vLLM's can_allocate). An item that can never fit is dropped (`onRejected`).
 * `passBudget` is the token budget a whole-prompt (non-chunked) pass must fit in.
 */
export function admitHead(
  s: EngineState,
  cfg: EngineConfig,
  r: Req,
  nowMs: number,
  obs: InstanceObserver | undefined,
  passBudget: number,
): AdmitResult {
  if (r.arrivalMs > nowMs) return Admit.later; // not here yet (FCFS: nothing behind it either)
  const tokens = r.directDecode ? r.promptTokens + r.generated : r.passTokens;
  if (!r.directDecode && r.startToken + r.passTokens > cfg.maxModelLen) {
    reject(s, r, nowMs, obs, 'prompt-too-long');
    return Admit.rejected;
  }
  const total = Math.ceil(tokens / cfg.blockSize);
  if (cfg.numGpuBlocks - total < cfg.watermarkBlocks) {
    reject(s, r, nowMs, obs, 'kv-capacity');
    return Admit.rejected;
  }
  const plan = planAdmission(s, r, total, cfg.blockSize);
  if (cfg.numGpuBlocks - s.usedBlocks - plan.needBlocks < cfg.watermarkBlocks) return Admit.later;
  if (!r.directDecode && r.passTokens - plan.cachedTokens > passBudget) return Admit.later;
  s.waitingShift();
  admitBlocks(s, cfg, r, total, plan);
  r.prefilled = plan.cachedTokens;
  r.phase = r.directDecode ? 'decoding' : 'prefilling';
  insertByArrival(s.running, r);
  s.admitted++;
  obs?.onAdmitted?.(r.id, nowMs, plan.cachedTokens);
  return Admit.ok;
}

/**
 * Running requests stay sorted by arrival (vLLM's FCFS priority; stable for ties). A new
 * admission lands at the end; a request re-admitted after preemption goes back to its place.
 */
function insertByArrival(running: Req[], r: Req): void {
  let i = running.length;
  while (i > 0 && running[i - 1]!.arrivalMs > r.arrivalMs) i--;
  if (i === running.length) running.push(r);
  else running.splice(i, 0, r);
}

function reject(
  s: EngineState,
  r: Req,
  nowMs: number,
  obs: InstanceObserver | undefined,
  reason: 'prompt-too-long' | 'kv-capacity',
): void {
  s.waitingShift();
  s.byId.delete(r.id);
  r.phase = 'done';
  obs?.onRejected?.(r.id, nowMs, reason);
}

/**
 * Preempts the lowest-priority running request — the latest arrival, the tail of the running
 * list (vLLM pops the tail of its FCFS-sorted running queue) — by recompute (vLLM's RECOMPUTE mode):
 * frees its blocks and forgets its computed KV; on re-admission it prefills prompt + generated
 * tokens again. It rejoins the waiting queue at the head once the step is formed (`requeue`).
 */
export function preemptLast(s: EngineState, nowMs: number, obs: InstanceObserver | undefined): Req {
  const r = s.running.pop()!;
  freeBlocks(s, r);
  r.phase = 'waiting';
  r.prefilled = 0;
  r.directDecode = false;
  r.passTokens = r.kind === 'segment' ? r.endToken - r.startToken : r.promptTokens + r.generated;
  r.preemptions++;
  s.preemptedNow.push(r);
  s.preempted++;
  obs?.onPreempted?.(r.id, nowMs);
  return r;
}

/**
 * Puts the requests preempted while forming this step back at the head of the waiting queue,
 * earliest arrival first (vLLM: `waiting.extendleft(preempted)` after the step's admissions).
 */
export function requeuePreempted(s: EngineState): void {
  const list = s.preemptedNow;
  for (let i = 0; i < list.length; i++) s.waitingUnshift(list[i]!);
  list.length = 0;
}
