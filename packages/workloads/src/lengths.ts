import type { Workload } from './types.js';

export interface CapLengthsOptions {
  maxPromptTokens?: number;
  maxOutputTokens?: number;
}

/** Caps (does not drop) prompt and output lengths; a note says how many were cut. */
export function capLengths(w: Workload, options: CapLengthsOptions): Workload {
  const maxPrompt = options.maxPromptTokens ?? Infinity;
  const maxOutput = options.maxOutputTokens ?? Infinity;
  for (const [name, v] of [
    ['maxPromptTokens', maxPrompt],
    ['maxOutputTokens', maxOutput],
  ] as const) {
    if (!(v >= 1)) throw new RangeError(`capLengths ${name} must be ≥ 1, got ${v}`);
  }
  let prompts = 0;
  let outputs = 0;
  const requests = w.requests.map((r) => {
    if (r.promptTokens <= maxPrompt && r.outputTokens <= maxOutput) return r;
    if (r.promptTokens > maxPrompt) prompts++;
    if (r.outputTokens > maxOutput) outputs++;
    return {
      ...r,
      promptTokens: Math.min(r.promptTokens, Math.floor(maxPrompt)),
      outputTokens: Math.min(r.outputTokens, Math.floor(maxOutput)),
    };
  });
  return {
    name: w.name,
    requests,
    notes: [
      ...w.notes,
      `lengths capped, not dropped: ${prompts} prompts to ${maxPrompt} tokens, ` +
        `${outputs} outputs to ${maxOutput} tokens`,
    ],
  };
}
