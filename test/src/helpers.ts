// Shared pieces of the integration tests (not part of the testkit's public API).
import { estimateRequestSchema, estimateResponseSchema, subjects } from '@adagen/protocol';
import type { EstimateRequest, EstimateResponse } from '@adagen/protocol';
import { AdagenService, Lifecycle, createMetricsRegistry } from '@adagen/runtime';
import type { EndpointHandler } from '@adagen/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Registry } from 'prom-client';

/** A promise the test opens when it wants. */
export function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Resolves once `count()` has been called `n` times. */
export function counter(n: number): {
  readonly reached: Promise<void>;
  readonly count: () => void;
} {
  let seen = 0;
  const { opened, open } = gate();
  return {
    reached: opened,
    count: () => {
      seen += 1;
      if (seen >= n) open();
    },
  };
}

export function estimateRequest(promptTokens = 100): EstimateRequest {
  return {
    v: 1,
    type: 'estimate_request',
    additions: [{ promptTokens, predictedOutputTokens: 50 }],
    horizonMs: 1000,
  };
}

/** A deterministic "estimate": TTFT grows with the prompt, so the reply proves the request was read. */
export function fakeEstimate(request: EstimateRequest): EstimateResponse {
  const first = request.additions[0];
  return {
    v: 1,
    type: 'estimate_response',
    perInstance: [
      {
        instanceId: 'gpu-1',
        newRequest: { ttftMs: (first?.promptTokens ?? 0) / 10, tpotMs: 20 },
        affected: [],
        iterations: 1,
        horizonReached: false,
      },
    ],
  };
}

export const echoEstimate: EndpointHandler<EstimateRequest, EstimateResponse> = (request) =>
  Promise.resolve(fakeEstimate(request));

export interface TestService {
  readonly service: AdagenService;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
}

/** An `estimator` service with one `estimate` endpoint, ready unless told otherwise. */
export async function startEstimator(
  nc: NatsConnection,
  options: {
    readonly handler?: EndpointHandler<EstimateRequest, EstimateResponse>;
    readonly maxInFlight?: number;
    readonly graceMs?: number;
    readonly ready?: boolean;
  } = {},
): Promise<TestService> {
  const lifecycle = new Lifecycle({ graceMs: options.graceMs ?? 30_000 });
  const registry = createMetricsRegistry({ service: 'estimator', collectDefault: false });
  const service = await AdagenService.start(nc, {
    name: 'estimator',
    version: '0.1.0',
    description: 'test estimator',
    lifecycle,
    registry,
  });
  service.addEndpoint('estimate', subjects.estimate, {
    requestSchema: estimateRequestSchema,
    responseSchema: estimateResponseSchema,
    handler: options.handler ?? echoEstimate,
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
  });
  await service.flush();
  if (options.ready ?? true) lifecycle.markReady();
  return { service, lifecycle, registry };
}

/** The value of one sample of a metric in Prometheus text, or 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) =>
    Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value),
  );
  return sample?.value ?? 0;
}

/**
 * Waits until handlers have started (`started`), failing at once instead of hanging when one of
 * the requests finishes first (e.g. answered `unavailable` because the service was not up).
 */
export async function handlersStarted(
  started: Promise<void>,
  requests: readonly Promise<unknown>[],
): Promise<void> {
  const winner = await Promise.race([
    started.then(() => ({ started: true as const })),
    Promise.race(requests).then((result) => ({ started: false as const, result })),
  ]);
  if (!winner.started)
    throw new Error(
      `a request finished before the handlers started: ${JSON.stringify(winner.result)}`,
    );
}
