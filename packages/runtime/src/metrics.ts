import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  /** Default label `service` on every metric. */
  readonly service: string;
  /** Default label `instance_id`, when the process serves one instance. */
  readonly instanceId?: string;
  /**
   * Collect Node process metrics (CPU, memory, event-loop lag).
   * @default true
   */
  readonly collectDefault?: boolean;
}

/** One Prometheus registry per service, with `service` (and `instance_id`) default labels. */
export function createMetricsRegistry(options: MetricsOptions): Registry {
  const registry = new Registry();
  const labels: Record<string, string> = { service: options.service };
  if (options.instanceId !== undefined) labels.instance_id = options.instanceId;
  registry.setDefaultLabels(labels);
  if (options.collectDefault ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Outcome label of a message handled by an endpoint or subscription. */
export const MESSAGE_OUTCOMES = {
  ok: 'ok',
  invalid: 'invalid',
  handlerError: 'handler_error',
  overloaded: 'overloaded',
  unavailable: 'unavailable',
  aborted: 'aborted',
  badResponse: 'bad_response',
} as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[keyof typeof MESSAGE_OUTCOMES];

/** Metrics kept by the runtime's endpoints and subscriptions, created once per registry. */
export interface RuntimeMetrics {
  readonly endpointMessages: Counter<'endpoint' | 'outcome'>;
  /** Requests being handled, read from each endpoint's own count when scraped. */
  readonly endpointInFlight: Gauge<'endpoint'>;
  /** Reports endpoint `name`'s in-flight count as `adagen_endpoint_in_flight`. */
  trackInFlight(name: string, count: () => number): void;
  readonly endpointSeconds: Histogram<'endpoint'>;
  readonly subscriptionMessages: Counter<'subject' | 'outcome'>;
}

const cache = new WeakMap<Registry, RuntimeMetrics>();

export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = cache.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const inFlight = new Map<string, () => number>();
  const metrics: RuntimeMetrics = {
    trackInFlight: (name, count) => void inFlight.set(name, count),
    endpointMessages: new Counter({
      name: 'adagen_endpoint_messages_total',
      help: 'Requests handled by service endpoints, by outcome',
      labelNames: ['endpoint', 'outcome'],
      registers,
    }),
    endpointInFlight: new Gauge({
      name: 'adagen_endpoint_in_flight',
      help: 'Requests being handled by service endpoints',
      labelNames: ['endpoint'],
      registers,
      collect() {
        for (const [endpoint, count] of inFlight) this.set({ endpoint }, count());
      },
    }),
    endpointSeconds: new Histogram({
      name: 'adagen_endpoint_handler_seconds',
      help: 'Handler time of service endpoints',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    subscriptionMessages: new Counter({
      name: 'adagen_subscription_messages_total',
      help: 'Messages received on plain subscriptions, by outcome (ok; invalid: dropped; handler_error; skipped: refused by subject before decoding, e.g. another shard’s agents)',
      labelNames: ['subject', 'outcome'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
