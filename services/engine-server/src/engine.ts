/**
 * What the engine server serves: an engine that takes generation requests and streams their
 * events — `@adagen/llama`'s `LlamaEngine` as it is, or the simulated engine in real time
 * (`SimServedEngine`). One interface, so the HTTP side is the same for both.
 */
import type {
  EngineCounters,
  GenerationRequestInput,
  GenerationSink,
  LlamaEngine,
} from '@adagen/llama';

export interface SubmitOptions {
  /**
   * P/D decode leg (vLLM's `do_remote_prefill`): the prompt's KV comes from the prefill engine.
   * The simulated engine skips the prefill; llama.cpp cannot import KV and recomputes it.
   */
  readonly remotePrefill?: boolean;
}

export interface ServedEngine {
  readonly backend: 'sim' | 'llama';
  /** Prompt + output tokens one request may use. */
  readonly maxContextTokens: number;
  /** Prompt tokens of a text (the engine's tokenizer, or the simulated engine's count). */
  countTokens(text: string): number;
  submit(input: GenerationRequestInput, sink: GenerationSink, options?: SubmitOptions): void;
  cancel(requestId: string): boolean;
  counters(): EngineCounters;
  close(): Promise<void>;
}

/** The llama.cpp engine as a served engine. */
export function servedLlama(engine: LlamaEngine): ServedEngine {
  return {
    backend: 'llama',
    maxContextTokens: engine.capabilities.maxContextTokens,
    countTokens: (text) => engine.tokenize(text).length,
    submit: (input, sink) => engine.submit(input, sink),
    cancel: (id) => engine.cancel(id),
    counters: () => engine.counters(),
    close: () => engine.close(),
  };
}
