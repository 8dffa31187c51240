/**
 * The gateway: OpenAI-compatible HTTP in front of the fleet. Wires the pieces: the API keys and
 * rate limits (`auth.ts`), the HTTP surface (`routes.ts`), each request's path (`infer.ts`,
 * `flight.ts`, `place.ts`), the stream subscription that feeds the flights, the agents' liveness
 * (`liveness.ts`) and the cancels it sends. Tokens arrive straight from the agents on
 * `adagen.v1.stream.<gatewayId>.<requestId>.<instanceId>`; every accepted request ends in exactly
 * one outcome for the client (done, error, or 504 at the deadline), and agents are told
 * (`adagen.v1.cancel.<gatewayId>`) when a request they hold is abandoned.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fleetMaxModelLen } from '@adagen/fleet';
import {
  AdagenError,
  createCodec,
  bodyMatchesSubject,
  requestCancelSchema,
  streamMessageSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { CancelReason } from '@adagen/protocol';
import { startOpsServer, startRuntime, subscribeInWireOrder } from '@adagen/runtime';
import type { Logger, OpsServer, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, randomSuffix, staleAfterMs } from '@adagen/svc-shared';
import { Gatekeeper, keysFromList, parseKeysFile } from './auth.js';
import type { GatewayConfig } from './config.js';
import type { Flight } from './flight.js';
import { sendError } from './http.js';
import { inferenceHandler } from './infer.js';
import { LivenessTracker, watchLiveness } from './liveness.js';
import { gatewayMetrics } from './metrics.js';
import { gatewayRoute } from './routes.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayRuntime extends ServiceRuntime {
  readonly gatewayId: string;
  /** The OpenAI API base, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly api: OpsServer;
  /** Requests held now (for tests: back to 0 once every client has its outcome). */
  readonly inFlight: () => number;
}

const cancelCodec = createCodec(requestCancelSchema);
/** Stream messages: token chunks (the hot path) checked by hand, outcomes by the schema. */
const streamCodec = createCodec(streamMessageSchema); // token chunks through their typed check (FAST_CHECKS)

export async function startGateway(
  config: GatewayConfig,
  options: { logger?: Logger } = {},
): Promise<GatewayRuntime> {
  const gatewayId = config.gatewayId ?? `gw-${randomSuffix()}`;
  const clock = fleetClockOf(config);
  const keys = [
    ...keysFromList(config.apiKeys),
    ...(config.apiKeysFile === undefined
      ? []
      : parseKeysFile(readFileSync(config.apiKeysFile, 'utf8'))),
  ];
  const gate = new Gatekeeper({
    keys,
    ratePerS: config.rateLimitPerS,
    burst: config.rateLimitBurst,
  });
  const rt = await startRuntime({
    service: { name: 'gateway', version: GATEWAY_VERSION, description: 'OpenAI-compatible HTTP' },
    config,
    instanceId: gatewayId,
    http: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const metrics = gatewayMetrics(rt.registry);
  const flights = new Map<string, Flight>();
  const fail = (res: ServerResponse, e: AdagenError, param: string | null = null) =>
    sendError(
      res,
      e,
      param,
      config.retryAfterS,
      e.code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {},
    );

  // Read in wire order with the agents' announcements (liveness.ts): an agent's last outcomes
  // are handled before its goodbye.
  subscribeInWireOrder(rt.nc, wildcards.gatewayStreams(gatewayId), {
    schema: streamMessageSchema,
    codec: streamCodec,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (m, ctx) => {
      if (!bodyMatchesSubject(ctx.subject, m)) {
        metrics.foreignStream.inc({ reason: 'sender_mismatch' });
        ctx.logger.warn(
          { requestId: m.requestId, instanceId: m.instanceId },
          'stream message whose body does not match its subject dropped',
        );
        return;
      }
      flights.get(m.requestId)?.message(m);
    },
  });
  const liveness = new LivenessTracker(staleAfterMs(config, clock));
  watchLiveness({
    rt,
    clock,
    tracker: liveness,
    sweepEveryMs: config.statePeriodMs,
    probeTimeoutMs: config.probeTimeoutMs,
    holds: (instanceId) => {
      for (const f of flights.values()) if (f.instanceIds.has(instanceId)) return true;
      return false;
    },
    onLost: ({ instanceId, why }) => {
      for (const f of [...flights.values()]) f.instanceLost(instanceId, why);
    },
  });
  void (async () => {
    for await (const status of rt.nc.status())
      if (status.type === 'reconnect') for (const f of [...flights.values()]) f.connectionLost();
  })().catch((error: unknown) => rt.logger.warn({ err: error }, 'nats status watch ended'));
  const cancel = (requestId: string, upToAttempt: number, reason: CancelReason) => {
    if (rt.nc.isClosed()) return;
    metrics.cancels.inc({ reason });
    rt.nc.publish(
      subjects.cancel(gatewayId),
      cancelCodec.encode({
        v: 1,
        type: 'request_cancel',
        requestId,
        upToAttempt,
        reason,
        atMs: clock.nowMs(),
      }),
    );
  };
  const capabilities = () => liveness.capabilities(clock.nowMs());
  const infer = inferenceHandler({
    rt,
    config,
    gatewayId,
    clock,
    gate,
    metrics,
    flights,
    capabilities,
    cancel,
    fail,
  });
  const route = gatewayRoute({
    models: config.models,
    createdS: Math.floor(Date.now() / 1000),
    corsOrigins: config.corsOrigins,
    maxModelLen: () => fleetMaxModelLen(capabilities()),
    ready: () => rt.lifecycle.accepting,
    authenticate: (req) => gate.authenticate(req.headers.authorization),
    infer: (endpoint, req, res) => {
      infer(endpoint, req, res).catch((error: unknown) => {
        rt.logger.error({ err: error }, 'gateway handler failed');
        fail(res, new AdagenError('internal', 'the gateway failed on this request'));
      });
    },
    fail,
  });
  const api = await startOpsServer({
    registry: rt.registry,
    isReady: () => rt.lifecycle.accepting,
    port: config.httpPort,
    host: config.httpHost,
    routes: [route],
    logger: rt.logger,
    limits: {
      headersTimeoutMs: config.httpHeadersTimeoutMs,
      requestTimeoutMs: config.httpRequestTimeoutMs,
      keepAliveTimeoutMs: config.httpKeepAliveTimeoutMs,
      maxConnections: config.httpMaxConnections,
      onReject: (reason) => metrics.rejected.inc({ reason }),
    },
  });
  rt.lifecycle.onStop('gateway http server', () => api.close());
  await rt.ready();
  rt.logger.info(
    { gatewayId, url: api.url, apiKeys: keys.length, rateLimitPerS: config.rateLimitPerS },
    'gateway ready',
  );
  return {
    ...rt,
    stop: (reason?: string) => rt.stop(reason),
    gatewayId,
    url: api.url,
    api,
    inFlight: () => flights.size,
  };
}
