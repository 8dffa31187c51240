/**
 * What goes into one engine step (one llama_decode): every decoding request's next token, then
 * prompt chunks of the requests still in prefill, oldest first, within the token budget
 * (chunked prefill, as vLLM schedules it).
 */
export interface StepCandidate {
  readonly decoding: boolean;
  readonly prefillLeft: number;
}

/** For each candidate (same order), the prompt tokens it sends this step; decoding ones get 0. */
export function planStep(candidates: readonly StepCandidate[], batchSize: number): number[] {
  let budget = batchSize - candidates.filter((c) => c.decoding).length;
  return candidates.map((c) => {
    if (c.decoding || budget <= 0) return 0;
    const n = Math.min(c.prefillLeft, budget);
    budget -= n;
    return n;
  });
}
