/**
 * Per-decode observations: every llama_decode that node-llama-cpp issues for a context, with
 * its batch composition and duration (the engine sums them into one observation per step). node-llama-cpp has no public hook for this, so the
 * context's native handle is wrapped in a Proxy that sees initBatch / addToBatch / decodeBatch
 * (internals of node-llama-cpp 3.21.1, the pinned version; `observeDecodes` returns false and
 * observes nothing if they are not there).
 */

/** One llama_decode call's batch and time. */
export interface DecodeObservation {
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
  /**
   * Prompt attention work: Σ over prompt chunks of p·(k + p/2) for a chunk of p tokens after k
   * in the KV (the latency model's `prefillAttnWork`).
   */
  prefillAttnWork: number;
  /** Σ over decoding sequences of their KV length after this batch (`decodeContextTokens`). */
  decodeContextTokens: number;
}

/**
 * One engine step (an iteration, as vLLM's): the llama_decode call(s) of its batch, summed, and
 * the whole step's time — from its start to the next step's start while the engine stays busy
 * (sampling, streaming and the step loop included), else to its end. This is what a latency
 * profile predicts per iteration.
 */
export interface IterationObservation extends Omit<DecodeObservation, 'durationMs'> {
  /** The whole step (ms): start to the next step's start, or to its end when the engine idles. */
  durationMs: number;
  /** Time inside llama_decode (ms): the forward pass(es) alone. */
  decodeMs: number;
  /** llama_decode calls in the step (1 unless the batch was split). */
  decodeCalls: number;
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
  onBatch: (o: DecodeObservation) => void,
): boolean {
  const holder = context as { _ctx?: unknown };
  const native = holder._ctx;
  if (!isNativeContext(native)) return false;
  let prefillTokens = 0;
  let decodeTokens = 0;
  let sequences = 0;
  let contextTokens = 0;
  let prefillAttnWork = 0;
  let decodeContextTokens = 0;
  const hooks: Record<string, unknown> = {
    initBatch(size: number) {
      prefillTokens = decodeTokens = sequences = contextTokens = 0;
      prefillAttnWork = decodeContextTokens = 0;
      native.initBatch(size);
    },
    addToBatch(seq: number, first: number, tokens: Uint32Array, logits: Uint32Array) {
      const out = native.addToBatch(seq, first, tokens, logits);
      sequences++;
      const p = tokens.length;
      if (p === 1) {
        decodeTokens++;
        decodeContextTokens += first + 1;
      } else {
        prefillTokens += p;
        prefillAttnWork += p * (first + p / 2);
      }
      contextTokens += first + p;
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
        prefillAttnWork,
        decodeContextTokens,
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
