/**
 * The engine server's Prometheus metrics under vLLM's names, so routers and the `http` agent
 * read it as they read vLLM: requests running and waiting, KV cache usage (a fraction, as
 * vLLM's `_perc` gauge is), token and request counters.
 */
import type { EngineCounters } from '@adagen/llama';

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function vllmMetrics(model: string, c: EngineCounters): string {
  const label = `{model_name="${esc(model)}"}`;
  const lines: string[] = [];
  const one = (name: string, type: 'gauge' | 'counter', help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${label} ${value}`);
  };
  one('vllm:num_requests_running', 'gauge', 'Requests in model execution batches.', c.running);
  one('vllm:num_requests_waiting', 'gauge', 'Requests waiting to be processed.', c.waiting);
  one(
    'vllm:kv_cache_usage_perc',
    'gauge',
    'KV-cache usage. 1 means 100 percent usage.',
    c.kvCellsTotal > 0 ? c.kvCellsUsed / c.kvCellsTotal : 0,
  );
  one('vllm:prompt_tokens_total', 'counter', 'Prefill tokens processed.', c.promptTokensTotal);
  one(
    'vllm:generation_tokens_total',
    'counter',
    'Generation tokens processed.',
    c.generatedTokensTotal,
  );
  one(
    'vllm:request_success_total',
    'counter',
    'Successfully processed requests.',
    c.requestsFinished,
  );
  one('vllm:num_preemptions_total', 'counter', 'Cumulative preemptions.', c.preemptionsTotal);
  one(
    'vllm:prefix_cache_hits_total',
    'counter',
    'Prompt tokens whose KV was reused (prefix cache).',
    c.cachedPromptTokensTotal,
  );
  return `${lines.join('\n')}\n`;
}
