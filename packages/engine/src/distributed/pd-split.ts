import type { RequestMeta, WorkItem } from '../types.js';
import { kvTransferMs } from './links.js';
import type { Link } from './links.js';

type PrefillItem = Extract<WorkItem, { kind: 'prefill' }>;
type DecodeItem = Extract<WorkItem, { kind: 'decode' }>;

/** A request split into prefill on one instance and decode on another. */
export interface PdPlan {
  /** Run on the prefill instance; its `onPrefillDone` starts the transfer. */
  prefill: PrefillItem;
  /** Run on the decode instance once the KV has arrived; absent when outputTokens = 1. */
  decode: DecodeItem | undefined;
  /** KV tokens moved (the prompt's). */
  transferTokens: number;
  transferMs: number;
}

/**
 * Plans a prefill/decode split. The prefill instance emits token 0 and holds the prompt's KV;
 * the KV moves over `link` (kvTransferMs); the decode instance receives a `decode` item with
 * generatedTokens = 1 at prefillDoneMs + transferMs, and the prefill instance releases the KV
 * when the transfer is done (`release(id)` at that time).
 */
export function planPdSplit(
  request: { id: string; promptTokens: number; outputTokens: number; meta?: RequestMeta },
  link: Link,
  bytesPerToken: number,
): PdPlan {
  const { id, promptTokens, outputTokens, meta } = request;
  const prefill: PrefillItem = { kind: 'prefill', id, promptTokens, ...(meta ? { meta } : {}) };
  const decode: DecodeItem | undefined =
    outputTokens > 1
      ? {
          kind: 'decode',
          id,
          promptTokens,
          outputTokens,
          generatedTokens: 1,
          ...(meta ? { meta } : {}),
        }
      : undefined;
  return {
    prefill,
    decode,
    transferTokens: promptTokens,
    transferMs: kvTransferMs(promptTokens, bytesPerToken, link),
  };
}
