/**
 * Agent options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | instanceId | `agent-<random>` | the instance's id in subjects (`adagen.v1.agent.<id>.*`) |
 * | backend | `sim` | the engine: `sim` (the simulated engine in real time), `llama` (llama.cpp in this process, `modelFile`), `http` (an OpenAI-compatible engine at `engineUrl`) |
 * | modelFile | none | `llama`: the GGUF model to load (`adagen model gen` writes a small random-weight one) |
 * | llamaMaxSequences, llamaContextSize, llamaBatchSize | 4, 2048, 512 | `llama`: requests decoded together, tokens per request (prompt + output), tokens per llama_decode |
 * | engineUrl | none | `http`: the engine's base URL (`http://127.0.0.1:8000`; vLLM, SGLang, llama-server or `adagen engine serve`) |
 * | engineModel | the request's | `http`: the model name sent to the engine |
 * | engineKvTransfer | `none` | `http`: P/D split contract of the engines: `nixl` (vLLM NixlConnector's kv_transfer_params), `sglang` (bootstrap_host/port/room) or `none` (no P/D split) |
 * | engineBootstrapPort | 8998 | `http`, `sglang`: the prefill engine's bootstrap port |
 * | engineMetrics | `auto` | `http`: the engine's /metrics dialect (`vllm`, `sglang`, `llamacpp`), `auto`, or `off` |
 * | engineScrapeMs | 1000 | `http`: fleet ms between two scrapes of the engine's /metrics |
 * | enginePrefixCaching | `sim`: false; `llama`, `http`: true | the engine reuses cached prompt prefixes. `sim`: the simulated engine's automatic prefix caching (by the prompts' block hashes; its stored and evicted blocks go out as cache events); `llama`: keep finished requests' KV for reuse (llama-server's prompt cache); `http`: what the engine does (vLLM V1's default, SGLang's radix cache, llama-server's `cache_prompt`; `false` for vLLM with `--no-enable-prefix-caching`). The agent announces it (`capabilities.prefixCaching`): on an agent without it, balancers count no cache hits, neither from events nor guessed from the prompts placed there |
 * | profile | `a100` | latency profile the agent announces (what estimators predict it with): `a100`, `h100` or a built-in profile name |
 * | engineProfile | = profile | `sim`: the profile the simulated engine really runs (model error: estimators start from `profile`) |
 * | calibrate | `auto` | fit the latency profile online from the engine's iterations and send it in the snapshots: `on`, `off`, or `auto` (on when the engine is not the simulated one, or runs another profile than it announces) |
 * | maxNumBatchedTokens, maxNumSeqs | 512, 256 | vLLM's knobs (`http`: the engine's, for its shadow) |
 * | numGpuBlocks, maxModelLen | from the profile | KV blocks, longest prompt pass (`http`: the engine's) |
 * | kvLink | `rdma-400g` | link preset for KV hand-offs to peers |
 * | statePeriodMs | 100 | snapshot period (fleet ms); also published when requests come and go |
 * | stateOnChange | true | publish a snapshot when a request is accepted or finishes (at most one per `minStateGapMs`); `false`: periodic ones only, cheaper for every subscriber, but balancer replicas learn of each other's placements up to `statePeriodMs` late (docs/PERFORMANCE.md prices both) |
 * | minStateGapMs | 10 | shortest gap between two snapshots (fleet ms) |
 * | stateInStep | true | publish on the fleet clock's grid (periodic snapshots at multiples of `statePeriodMs`, snapshots on change at the next multiple of `minStateGapMs`), so the fleet's snapshots reach each subscriber together; `false`: each agent at its own phase |
 * | stateMode | `delta` | `delta`: a snapshot goes out as the change since the previous one, in full every `fullStateEveryMs` and when the profile, settings or calibration change; `full`: always whole |
 * | fullStateEveryMs | 10 × statePeriodMs | `delta` mode: a full snapshot at least this often (the longest a subscriber that lost a delta places on the last state it could build) |
 * | flushWindowMs | 5 | a request's tokens after its first are coalesced into one message per window (fleet ms; 0: one per token) |
 * | maxChunkTokens | 32 | …or per this many tokens, whichever comes first |
 * | prefixBlockSize | 16 | tokens per block of the prefix-cache hashes it reports (as the classifier's and the balancers') |
 * | cacheEvents | true | publish the engine's prefix-cache changes on `adagen.v1.agent.<id>.cache` (engines whose cache the agent can see: `llama`) |
 * | cacheEventsPeriodMs | 100 | changes go out as one batch at most this often (fleet ms) |
 * | cacheSnapshotPeriodMs | 1000 | a full snapshot of the blocks held this often (fleet ms): how long a subscriber that lost a batch stays wrong |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, prefixConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const agentConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...prefixConfigShape,
  instanceId: configField
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected 1-64 characters of A-Z a-z 0-9 _ -' })
    .optional()
    .describe('instance id (default agent-<random>)'),
  backend: configField
    .oneOf(['sim', 'llama', 'http'])
    .default('sim')
    .describe('engine behind the agent: sim, llama or http'),
  modelFile: configField.string().optional().describe('llama: the GGUF model file'),
  llamaMaxSequences: configField
    .int(1, 256)
    .default(4)
    .describe('llama: requests decoded together'),
  llamaContextSize: configField
    .int(64, 1_048_576)
    .default(2048)
    .describe('llama: tokens per request (prompt + output)'),
  llamaBatchSize: configField.int(1, 65_536).default(512).describe('llama: tokens per decode'),
  engineUrl: configField
    .string()
    .refine((s) => /^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(s), {
      error: 'expected an http(s) URL such as http://127.0.0.1:8000',
    })
    .optional()
    .describe('http: the engine base URL'),
  engineModel: configField.string().optional().describe('http: model name sent to the engine'),
  engineKvTransfer: configField
    .oneOf(['none', 'nixl', 'sglang'])
    .default('none')
    .describe('http: P/D split contract (none, nixl, sglang)'),
  engineBootstrapPort: configField
    .int(1, 65_535)
    .default(8998)
    .describe('http, sglang: bootstrap port'),
  engineMetrics: configField
    .oneOf(['auto', 'vllm', 'sglang', 'llamacpp', 'off'])
    .default('auto')
    .describe('http: /metrics dialect'),
  engineScrapeMs: configField.number(50, 600_000).default(1000).describe('http: scrape period'),
  enginePrefixCaching: configField
    .boolean()
    .optional()
    .describe(
      'the engine reuses cached prompt prefixes (sim: off by default; llama, http: on; false: balancers count no hits)',
    ),
  profile: configField.string().default('a100').describe('latency profile (a100, h100, a name)'),
  engineProfile: configField
    .string()
    .optional()
    .describe('sim: the profile the engine really runs (default: profile)'),
  calibrate: configField
    .oneOf(['auto', 'on', 'off'])
    .default('auto')
    .describe('fit the latency profile online and send it with the state'),
  maxNumBatchedTokens: configField.int(1, 1_048_576).default(512).describe('token budget'),
  maxNumSeqs: configField.int(1, 65_536).default(256).describe('sequences per batch'),
  numGpuBlocks: configField.int(1, 16_777_216).optional().describe('KV blocks (override)'),
  maxModelLen: configField.int(1, 4_194_304).optional().describe('longest prompt pass'),
  kvLink: configField.string().default('rdma-400g').describe('KV link preset'),
  statePeriodMs: configField.number(1, 60_000).default(100).describe('snapshot period'),
  stateOnChange: configField.boolean().default(true).describe('snapshot when requests change'),
  minStateGapMs: configField.number(0, 60_000).default(10).describe('min gap between snapshots'),
  stateInStep: configField
    .boolean()
    .default(true)
    .describe('snapshots on the fleet clock’s grid, all agents together (false: own phase)'),
  stateMode: configField
    .oneOf(['delta', 'full'])
    .default('delta')
    .describe('snapshots as deltas with a periodic full one, or always full'),
  fullStateEveryMs: configField
    .number(1, 600_000)
    .optional()
    .describe('delta mode: a full snapshot at least this often (default 10 periods)'),
  flushWindowMs: configField
    .number(0, 10_000)
    .default(5)
    .describe('coalesce a request’s tokens into one message per window (0: per token)'),
  maxChunkTokens: configField.int(1, 65_536).default(32).describe('most tokens per message'),
  cacheEvents: configField
    .boolean()
    .default(true)
    .describe('publish the engine’s prefix-cache events (when the engine exposes its cache)'),
  cacheEventsPeriodMs: configField
    .number(1, 60_000)
    .default(100)
    .describe('prefix-cache changes go out at most this often'),
  cacheSnapshotPeriodMs: configField
    .number(10, 600_000)
    .default(1000)
    .describe('full prefix-cache snapshot period (resync)'),
});
export type AgentConfig = z.output<typeof agentConfigSchema>;
