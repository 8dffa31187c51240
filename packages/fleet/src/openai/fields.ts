/**
 * Every request field the gateway knows, per endpoint, and what it does with it. A field is
 * honoured (it travels to the engine or shapes the response), a no-op value of a feature AdaGen
 * does not offer (`n: 1`, `tools: []`, `logprobs: false`, …), or refused with a 400 that names
 * it. A field that is not in these lists is refused as unknown: nothing is silently ignored.
 */
import type { OpenAiEndpoint } from './schema.js';

const absent = (v: unknown): boolean => v === undefined || v === null;
const emptyObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
const emptyArray = (v: unknown): boolean => Array.isArray(v) && v.length === 0;

/** Fields of features AdaGen does not offer, with the values that ask for nothing. */
interface Unsupported {
  readonly noOp: (v: unknown) => boolean;
  readonly what: string;
}

const unsupported = (what: string, noOp: (v: unknown) => boolean = () => false): Unsupported => ({
  what,
  noOp: (v) => absent(v) || noOp(v),
});

/** Fields every endpoint shares. */
const COMMON_HONOURED = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'stream',
  'stream_options',
  'n',
  'user',
  'presence_penalty',
  'frequency_penalty',
  // vLLM's sampling extensions.
  'top_k',
  'min_p',
  'repetition_penalty',
  'min_tokens',
  'ignore_eos',
  // Load testing: generate exactly this many tokens (an engine-side hint).
  'adagen_output_tokens',
] as const;

const COMMON_UNSUPPORTED: Readonly<Record<string, Unsupported>> = {
  logit_bias: unsupported('token biases', emptyObject),
  include_stop_str_in_output: unsupported('stop strings kept in the text', (v) => v === false),
  skip_special_tokens: unsupported('special tokens in the text', (v) => v === true),
  spaces_between_special_tokens: unsupported('special-token spacing', (v) => v === true),
  guided_json: unsupported('guided decoding'),
  guided_regex: unsupported('guided decoding'),
  guided_choice: unsupported('guided decoding'),
  guided_grammar: unsupported('guided decoding'),
  structured_outputs: unsupported('structured outputs'),
  prompt_logprobs: unsupported('prompt log probabilities', (v) => v === 0),
  stream_interval: unsupported('stream batching by the client'),
};

const CHAT_ONLY_HONOURED = ['messages', 'max_completion_tokens'] as const;

const CHAT_UNSUPPORTED: Readonly<Record<string, Unsupported>> = {
  logprobs: unsupported('log probabilities', (v) => v === false),
  top_logprobs: unsupported('log probabilities', (v) => v === 0),
  tools: unsupported('tool calls', emptyArray),
  tool_choice: unsupported('tool calls', (v) => v === 'none' || v === 'auto'),
  parallel_tool_calls: unsupported('tool calls', (v) => typeof v === 'boolean'),
  functions: unsupported('function calls', emptyArray),
  function_call: unsupported('function calls', (v) => v === 'none' || v === 'auto'),
  response_format: unsupported(
    'response formats other than text',
    (v) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'text',
  ),
  store: unsupported('stored completions', (v) => v === false),
  metadata: unsupported('stored completions', emptyObject),
  service_tier: unsupported('service tiers', (v) => v === 'auto' || v === 'default'),
  modalities: unsupported(
    'output modalities other than text',
    (v) => Array.isArray(v) && v.every((m) => m === 'text'),
  ),
  audio: unsupported('audio output'),
  prediction: unsupported('predicted outputs'),
  reasoning_effort: unsupported('reasoning effort'),
  web_search_options: unsupported('web search'),
  chat_template: unsupported('a chat template of the client’s'),
  chat_template_kwargs: unsupported('a chat template of the client’s', emptyObject),
  add_generation_prompt: unsupported('turning off the generation prompt', (v) => v === true),
  continue_final_message: unsupported('continuing the final message', (v) => v === false),
  echo: unsupported('echo in chat', (v) => v === false),
};

const COMPLETIONS_ONLY_HONOURED = ['prompt', 'echo'] as const;

const COMPLETIONS_UNSUPPORTED: Readonly<Record<string, Unsupported>> = {
  logprobs: unsupported('log probabilities'),
  best_of: unsupported('best_of above 1', (v) => v === 1),
  suffix: unsupported('a suffix (insertion)', (v) => v === ''),
};

export interface FieldProblem {
  readonly param: string;
  readonly message: string;
}

/**
 * The first field of `body` that is unknown, or asks for a feature AdaGen does not offer.
 * `body` is a JSON object.
 */
export function fieldProblem(
  endpoint: OpenAiEndpoint,
  body: Readonly<Record<string, unknown>>,
): FieldProblem | undefined {
  const honoured: readonly string[] =
    endpoint === 'chat'
      ? [...COMMON_HONOURED, ...CHAT_ONLY_HONOURED]
      : [...COMMON_HONOURED, ...COMPLETIONS_ONLY_HONOURED];
  const refused = endpoint === 'chat' ? CHAT_UNSUPPORTED : COMPLETIONS_UNSUPPORTED;
  for (const [param, value] of Object.entries(body)) {
    if (honoured.includes(param)) continue;
    const rule = refused[param] ?? COMMON_UNSUPPORTED[param];
    if (rule === undefined)
      return {
        param,
        message: `unknown field for ${endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions'} (not an OpenAI or vLLM field this gateway knows)`,
      };
    if (!rule.noOp(value))
      return { param, message: `not supported by this fleet (AdaGen does not offer ${rule.what})` };
  }
  return undefined;
}
