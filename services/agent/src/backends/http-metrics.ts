/**
 * The load an OpenAI-compatible engine reports on its Prometheus `/metrics`, in three dialects:
 *
 * | dialect | running | waiting | KV in use (0–1) |
 * |---|---|---|---|
 * | vLLM | `vllm:num_requests_running` | `vllm:num_requests_waiting` | `vllm:kv_cache_usage_perc` (older: `vllm:gpu_cache_usage_perc`) |
 * | SGLang | `sglang:num_running_reqs` | `sglang:num_queue_reqs` | `sglang:token_usage` |
 * | llama.cpp | `llamacpp:requests_processing` | `llamacpp:requests_deferred` | `llamacpp:kv_cache_usage_ratio` when present |
 *
 * vLLM's `_perc` gauges are fractions (0–1) despite the name. Series with several label sets
 * (one per model or engine) are added up for counts; the KV fraction is the largest one.
 */

export const METRICS_DIALECTS = ['vllm', 'sglang', 'llamacpp'] as const;
export type MetricsDialect = (typeof METRICS_DIALECTS)[number];

export interface EngineLoad {
  readonly dialect: MetricsDialect;
  readonly running: number;
  readonly waiting: number;
  /** Share of the KV cache in use (0–1), when the engine reports it. */
  readonly kvUsage?: number;
}

const NAMES: Readonly<
  Record<MetricsDialect, { running: string; waiting: string; kv: readonly string[] }>
> = {
  vllm: {
    running: 'vllm:num_requests_running',
    waiting: 'vllm:num_requests_waiting',
    kv: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
  },
  sglang: {
    running: 'sglang:num_running_reqs',
    waiting: 'sglang:num_queue_reqs',
    kv: ['sglang:token_usage'],
  },
  llamacpp: {
    running: 'llamacpp:requests_processing',
    waiting: 'llamacpp:requests_deferred',
    kv: ['llamacpp:kv_cache_usage_ratio'],
  },
};

/**
 * Samples of a Prometheus text exposition, by metric name (every label set's value in order).
 * Comments, `# TYPE`/`# HELP` lines and unparsable lines are skipped; values may be `NaN`/`+Inf`.
 */
export function parseExposition(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // name{labels} value [timestamp] — label values may hold spaces and braces (quoted).
    const m =
      /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|NaN))(?:\s+-?\d+)?$/.exec(
        line,
      );
    if (m === null) continue;
    const name = m[1] as string;
    const value = Number((m[3] as string).replace(/^\+?Inf$/, 'Infinity'));
    const list = out.get(name) ?? [];
    list.push(value);
    out.set(name, list);
  }
  return out;
}

function sum(values: readonly number[] | undefined): number | undefined {
  if (values === undefined) return undefined;
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? undefined : finite.reduce((a, b) => a + b, 0);
}

/**
 * The engine's load from its metrics text, in the given dialect or, with `auto`, the first
 * dialect whose running and waiting gauges are both there. Undefined when none is.
 */
export function engineLoadOf(
  text: string,
  dialect: MetricsDialect | 'auto' = 'auto',
): EngineLoad | undefined {
  const samples = parseExposition(text);
  const dialects = dialect === 'auto' ? METRICS_DIALECTS : [dialect];
  for (const d of dialects) {
    const names = NAMES[d];
    const running = sum(samples.get(names.running));
    const waiting = sum(samples.get(names.waiting));
    if (running === undefined || waiting === undefined) continue;
    let kvUsage: number | undefined;
    for (const name of names.kv) {
      const values = (samples.get(name) ?? []).filter(Number.isFinite);
      if (values.length > 0) {
        kvUsage = Math.min(1, Math.max(0, ...values));
        break;
      }
    }
    return {
      dialect: d,
      running: Math.max(0, Math.round(running)),
      waiting: Math.max(0, Math.round(waiting)),
      ...(kvUsage === undefined ? {} : { kvUsage }),
    };
  }
  return undefined;
}
