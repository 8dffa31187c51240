/**
 * Per-iteration observations: every llama_decode that node-llama-cpp issues for a context, with
 * its batch composition and duration. node-llama-cpp has no public hook for this, so the
 * context's native handle is wrapped in a Proxy that sees initBatch / addToBatch / decodeBatch
 * (internals of node-llama-cpp 3.21.1, the pinned version; `observeDecodes` returns false and
 * observes nothing if they are not there).
 */

/** One llama_decode call: the real iteration granularity of the engine. */
export interface IterationObservation {
  /** Engine clock (ms) when llama_decode started. */
  startMs: number;
  /** Wall time of llama_decode (the forward pass; sampling is not included). */
  durationMs: number;
  /** Prompt tokens in the batch (sequences that sent more than one token). */
  prefillTokens: number;
  /** Sequences that sent exactly one token (decode steps; a one-token prompt rest counts here). */
  decodeTokens: number;
  /** Sequences in the batch. */
  sequences: number;
  /** Σ over the batch's sequences of their KV length after this batch (attention span). */
  contextTokens: number;
}

interface NativeContext {
  initBatch(size: number): void;
  addToBatch(seq: number, first: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array;
  decodeBatch(): Promise<void>;
}

function isNativeContext(v: unknown): v is NativeContext {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.initBatch === 'function' &&
    typeof o.addToBatch === 'function' &&
    typeof o.decodeBatch === 'function'
  );
}

/** Wraps `context`'s native handle; `onBatch` gets one observation per llama_decode. */
export function observeDecodes(
  context: object,
  clock: () => number,
  onBatch: (o: IterationObservation) => void,
): boolean {
  const holder = context as { _ctx?: unknown };
  const native = holder._ctx;
  if (!isNativeContext(native)) return false;
  let prefillTokens = 0;
  let decodeTokens = 0;
  let sequences = 0;
  let contextTokens = 0;
  const hooks: Record<string, unknown> = {
    initBatch(size: number) {
      prefillTokens = decodeTokens = sequences = contextTokens = 0;
      native.initBatch(size);
    },
    addToBatch(seq: number, first: number, tokens: Uint32Array, logits: Uint32Array) {
      const out = native.addToBatch(seq, first, tokens, logits);
      sequences++;
      if (tokens.length === 1) decodeTokens++;
      else prefillTokens += tokens.length;
      contextTokens += first + tokens.length;
      return out;
    },
    async decodeBatch() {
      const startMs = clock();
      await native.decodeBatch();
      const o = {
        startMs,
        durationMs: clock() - startMs,
        prefillTokens,
        decodeTokens,
        sequences,
        contextTokens,
      };
      onBatch(o);
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  holder._ctx = new Proxy(native, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in hooks) return hooks[prop];
      let fn = bound.get(prop);
      if (fn !== undefined) return fn;
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      fn = (v as (...a: unknown[]) => unknown).bind(target);
      bound.set(prop, fn);
      return fn;
    },
  });
  return true;
}
