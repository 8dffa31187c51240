/** The gateway's request metrics (docs/METRICS.md). */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface GatewayMetrics {
  readonly requests: Counter<'endpoint' | 'outcome'>;
  readonly ttft: Histogram;
  readonly tpot: Histogram;
  readonly e2e: Histogram;
  readonly controlPlane: Histogram;
  readonly inFlight: Gauge;
  readonly retries: Counter<'reason'>;
  readonly cancels: Counter<'reason'>;
  readonly rejected: Counter<'reason'>;
  readonly foreignStream: Counter<'reason'>;
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
      help: 'Time to first token, from receipt at the gateway',
      buckets: latencyBuckets,
      registers,
    }),
    tpot: new Histogram({
      name: 'adagen_tpot_seconds',
      help: 'Time per output token after the first, per request',
      buckets: [0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    e2e: new Histogram({
      name: 'adagen_e2e_seconds',
      help: 'Receipt to last token',
      buckets: latencyBuckets,
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
      help: 'Stream messages dropped because of who sent them: the body names another agent than the subject (sender_mismatch), or the sender is not in the attempt’s plan (not_in_plan)',
      labelNames: ['reason'],
      registers,
    }),
  };
}
