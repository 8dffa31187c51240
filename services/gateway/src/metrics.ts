/** The gateway's request metrics (docs/METRICS.md). */
import { Counter, Gauge, Histogram } from 'prom-client';
import type {
  Metric,
  MetricObjectWithValues,
  MetricType,
  MetricValueWithName,
  Registry,
} from 'prom-client';

/**
 * A histogram without labels that takes n equal observations at once (`observe(v, n)`: one
 * bucket lookup, not n), for the token path where a chunk of n tokens counts n gaps. Scraped as
 * prom-client's own Histogram is (the same `_bucket` / `_sum` / `_count` lines).
 */
export class CountedHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registers: readonly Registry[],
  ) {
    this.counts = bounds.map(() => 0);
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }

  /** `n` observations of `value` (non-finite values and n < 1 are ignored). */
  observe(value: number, n = 1): void {
    if (!Number.isFinite(value) || !(n >= 1)) return;
    this.sum += value * n;
    this.count += n;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++)
      if (value <= b[i]!) {
        this.counts[i]! += n;
        return;
      }
  }

  get(): Promise<Omit<MetricObjectWithValues<MetricValueWithName<string>>, 'collect'>> {
    const values: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i]!;
      values.push({ labels: { le }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return Promise.resolve({
      name: this.name,
      help: this.help,
      // prom-client types it as an enum its JavaScript does not export: the string it holds.
      type: 'histogram' as unknown as MetricType,
      values,
      aggregator: this.aggregator,
    });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** vLLM's bucket boundaries (vllm/v1/metrics/loggers.py), so dashboards line up. */
export const VLLM_BUCKETS = {
  ttft: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
  ],
  perToken: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0,
  ],
  request: [
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
  ],
} as const;

export interface GatewayMetrics {
  readonly requests: Counter<'endpoint' | 'outcome'>;
  readonly ttft: Histogram;
  readonly tpot: Histogram;
  readonly itl: CountedHistogram;
  readonly e2e: Histogram;
  readonly promptTokens: Counter;
  readonly generationTokens: Counter;
  readonly controlPlane: Histogram;
  readonly inFlight: Gauge;
  readonly retries: Counter<'reason'>;
  readonly cancels: Counter<'reason'>;
  readonly rejected: Counter<'reason'>;
  readonly foreignStream: Counter<'reason'>;
  readonly slowClients: Counter;
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'adagen_requests_total',
      help: 'Requests answered, by endpoint and outcome (ok, or the error code)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    }),
    ttft: new Histogram({
      name: 'adagen_ttft_seconds',
      help: 'Time to first token, from receipt at the gateway (vLLM buckets)',
      buckets: [...VLLM_BUCKETS.ttft],
      registers,
    }),
    tpot: new Histogram({
      name: 'adagen_tpot_seconds',
      help: 'Time per output token after the first, per request (vLLM buckets)',
      buckets: [...VLLM_BUCKETS.perToken],
      registers,
    }),
    itl: new CountedHistogram(
      'adagen_inter_token_latency_seconds',
      'Time between consecutive tokens as the client receives them (a chunk of n tokens counts n gaps of its time / n; vLLM buckets)',
      VLLM_BUCKETS.perToken,
      registers,
    ),
    e2e: new Histogram({
      name: 'adagen_e2e_seconds',
      help: 'Receipt to last token (vLLM buckets)',
      buckets: [...VLLM_BUCKETS.request],
      registers,
    }),
    promptTokens: new Counter({
      name: 'adagen_prompt_tokens_total',
      help: 'Prompt tokens of the requests answered',
      registers,
    }),
    generationTokens: new Counter({
      name: 'adagen_generation_tokens_total',
      help: 'Tokens generated for the requests answered',
      registers,
    }),
    controlPlane: new Histogram({
      name: 'adagen_control_plane_seconds',
      help: 'Receipt at the gateway to the last agent of the plan accepting the request',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    inFlight: new Gauge({
      name: 'adagen_gateway_in_flight',
      help: 'Requests the gateway holds',
      registers,
    }),
    retries: new Counter({
      name: 'adagen_gateway_retries_total',
      help: 'Requests placed again, by the error that ended the previous attempt',
      labelNames: ['reason'],
      registers,
    }),
    cancels: new Counter({
      name: 'adagen_gateway_cancels_total',
      help: 'Cancels sent to the agents, by reason (client_closed, retry, deadline, failed)',
      labelNames: ['reason'],
      registers,
    }),
    rejected: new Counter({
      name: 'adagen_http_rejected_total',
      help: 'HTTP clients turned away before a request: dropped connections (over httpMaxConnections), timed-out headers or bodies, malformed HTTP',
      labelNames: ['reason'],
      registers,
    }),
    foreignStream: new Counter({
      name: 'adagen_gateway_stream_dropped_total',
      help: 'Stream messages dropped: the body names another agent than the subject (sender_mismatch), the sender is not in the attempt’s plan (not_in_plan), the attempt was given up on (stale_attempt), or a chunk came again (duplicate_chunk)',
      labelNames: ['reason'],
      registers,
    }),
    slowClients: new Counter({
      name: 'adagen_gateway_slow_clients_total',
      help: 'Streams dropped because the client stopped reading while sseMaxBufferedBytes piled up',
      registers,
    }),
  };
}
