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
  /**
   * Counts one message of `subscriptionMessages` for this subject and outcome. The count is a
   * plain number, added to the metric when it is scraped: prom-client's `inc` checks and hashes
   * the labels on every call, even on a child bound with `labels()` (~0.2 µs, paid per message of
   * a token stream: ~5 % of the gateway's CPU at one token per message).
   */
  subscriptionCounter(subject: string, outcome: string): () => void;
}

const cache = new WeakMap<Registry, RuntimeMetrics>();

export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = cache.get(registry);
  if (existing !== undefined) return existing;
  const registers = [registry];
  const inFlight = new Map<string, () => number>();
  /** Subscription messages counted since the last scrape, by subject and outcome. */
  const unscraped = new Map<string, { labels: { subject: string; outcome: string }; n: number }>();
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
      collect() {
        for (const u of unscraped.values())
          if (u.n > 0) {
            this.inc(u.labels, u.n);
            u.n = 0;
          }
      },
    }),
    subscriptionCounter(subject, outcome) {
      const key = `${subject}\n${outcome}`;
      let u = unscraped.get(key);
      if (u === undefined) {
        u = { labels: { subject, outcome }, n: 0 };
        unscraped.set(key, u);
      }
      const counted = u;
      return () => {
        counted.n += 1;
      };
    },
  };
  cache.set(registry, metrics);
  return metrics;
}
