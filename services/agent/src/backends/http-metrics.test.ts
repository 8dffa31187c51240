import { describe, expect, it } from 'vitest';
import { engineLoadOf, parseExposition } from './http-metrics.js';

// Excerpts in each engine's own format (names and label sets as they expose them).
const VLLM = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 1.0
vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.0
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.25
vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.5
vllm:prompt_tokens_total{model_name="m"} 1234.0
`;

const VLLM_OLD = `vllm:num_requests_running{model_name="m"} 4.0
vllm:num_requests_waiting{model_name="m"} 2.0
vllm:gpu_cache_usage_perc{model_name="m"} 0.75
`;

const SGLANG = `# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{model_name="qwen",engine_type="unified",tp_rank="0"} 7.0
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{model_name="qwen",engine_type="unified",tp_rank="0"} 5.0
sglang:token_usage{model_name="qwen",engine_type="unified",tp_rank="0"} 0.42
`;

const LLAMACPP = `# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 120
# HELP llamacpp:requests_processing Number of requests processing.
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 2
# HELP llamacpp:requests_deferred Number of requests deferred.
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 1
`;

describe('engine metrics in three dialects', () => {
  it('vLLM: series added up, the largest KV share', () => {
    expect(engineLoadOf(VLLM)).toEqual({ dialect: 'vllm', running: 5, waiting: 1, kvUsage: 0.5 });
  });

  it('vLLM before v0.10: gpu_cache_usage_perc', () => {
    expect(engineLoadOf(VLLM_OLD, 'vllm')).toEqual({
      dialect: 'vllm',
      running: 4,
      waiting: 2,
      kvUsage: 0.75,
    });
  });

  it('SGLang: running, queued, token usage', () => {
    expect(engineLoadOf(SGLANG)).toEqual({
      dialect: 'sglang',
      running: 7,
      waiting: 5,
      kvUsage: 0.42,
    });
  });

  it('llama.cpp: processing and deferred, no KV share', () => {
    expect(engineLoadOf(LLAMACPP)).toEqual({ dialect: 'llamacpp', running: 2, waiting: 1 });
  });

  it('a named dialect that is absent, or no known gauges, is undefined', () => {
    expect(engineLoadOf(LLAMACPP, 'vllm')).toBeUndefined();
    expect(engineLoadOf('process_cpu_seconds_total 1.5\n')).toBeUndefined();
    expect(engineLoadOf('')).toBeUndefined();
  });

  it('a running gauge without its waiting gauge is not a load', () => {
    expect(engineLoadOf('vllm:num_requests_running 3\n')).toBeUndefined();
  });

  it('reads labels with spaces and braces, timestamps, NaN and Inf; skips junk lines', () => {
    const s = parseExposition(
      [
        'a{x="b c",y="{}"} 1 1700000000000',
        'b +Inf',
        'c NaN',
        'not a sample line at all {',
        '   ',
        'd{q="say \\"hi\\""} -2.5e1',
      ].join('\n'),
    );
    expect(s.get('a')).toEqual([1]);
    expect(s.get('b')).toEqual([Infinity]);
    expect(Number.isNaN(s.get('c')?.[0])).toBe(true);
    expect(s.get('d')).toEqual([-25]);
    expect(s.has('not')).toBe(false);
  });

  it('non-finite values are ignored; KV share is clamped to [0, 1]', () => {
    const text =
      'vllm:num_requests_running NaN\nvllm:num_requests_running 2\nvllm:num_requests_waiting 0\nvllm:kv_cache_usage_perc 1.7\n';
    expect(engineLoadOf(text)).toEqual({ dialect: 'vllm', running: 2, waiting: 0, kvUsage: 1 });
  });
});
