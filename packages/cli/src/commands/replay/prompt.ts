/**
 * Prompts of a given length for trace replay (traces give lengths, not text). Text mode: `" a"`
 * repeated, which the Llama 3 tokenizer counts as one token each (plus BOS), so the server sees
 * the trace's prompt length; tokens mode: token ids (completions endpoint only).
 */
export const PROMPT_FORMATS = ['text', 'tokens'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

/** Text of `promptTokens` Llama 3 tokens, counting the BOS token the server adds. */
export function promptText(promptTokens: number): string {
  return ' a'.repeat(Math.max(0, promptTokens - 1));
}

/** `promptTokens` token ids (a common, harmless token). */
export function promptIds(promptTokens: number): number[] {
  return new Array<number>(Math.max(1, promptTokens)).fill(264);
}
