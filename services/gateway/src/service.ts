/**
 * The gateway: OpenAI-compatible HTTP in front of the fleet. Checks the API key and the caller's
 * rate limit, sheds beyond `maxInFlight`, validates the body, gives the request an id and a
 * deadline, registers it for its stream subject, and places it (`svc.classify`, which answers
 * once the agents accepted the plan), again if an attempt fails in a retryable way. Tokens
 * arrive straight from the agents on `adagen.v1.stream.<gatewayId>.<requestId>`; every accepted
 * request ends in exactly one outcome for the client (done, error, or 504 at the deadline), and
 * agents are told (`adagen.v1.cancel.<gatewayId>`) when a request they hold is abandoned.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadFieldError, modelsList, parseOpenAiBody, responseId } from '@adagen/fleet';
import type { GatewayRequest, OpenAiEndpoint } from '@adagen/fleet';
import {
  AdagenError,
  createCodec,
  normalizeError,
  parseSubject,
  requestCancelSchema,
  streamMessageSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { CancelReason, InferenceRequest } from '@adagen/protocol';
import { startOpsServer, startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, OpsServer, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, randomSuffix, staleAfterMs } from '@adagen/svc-shared';
import { Gatekeeper, keysFromList, parseKeysFile } from './auth.js';
import type { GatewayConfig } from './config.js';
import { Flight } from './flight.js';
import type { FlightEnd } from './flight.js';
import { readJsonBody, sendError } from './http.js';
import { LivenessTracker, watchLiveness } from './liveness.js';
import { gatewayMetrics } from './metrics.js';
import { backoffMs, placeWithRetries } from './place.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayRuntime extends ServiceRuntime {
  readonly gatewayId: string;
  /** The OpenAI API base, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly api: OpsServer;
  /** Requests held now (for tests: back to 0 once every client has its outcome). */
  readonly inFlight: () => number;
}

const ROUTES: Readonly<Record<string, OpenAiEndpoint>> = {
  '/v1/completions': 'completions',
  '/v1/chat/completions': 'chat',
};

const cancelCodec = createCodec(requestCancelSchema);

const cancelReasonOf = (end: FlightEnd): CancelReason =>
  end === 'client_closed' ? 'client_closed' : end === 'deadline_exceeded' ? 'deadline' : 'failed';

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
  const createdS = Math.floor(Date.now() / 1000);
  const retryAfterS = config.retryAfterS;
  const fail = (res: ServerResponse, e: AdagenError, param: string | null = null) =>
    sendError(
      res,
      e,
      param,
      retryAfterS,
      e.code === 'unauthorized' ? { 'www-authenticate': 'Bearer' } : {},
    );

  subscribe(rt.nc, wildcards.gatewayStreams(gatewayId), {
    schema: streamMessageSchema,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (m, ctx) => {
      // The subject's last token is the sender (enforced by NATS permissions); a body that
      // claims another agent, or another request, is forged or broken.
      const from = parseSubject(ctx.subject);
      if (
        !from.ok ||
        from.value.kind !== 'stream' ||
        from.value.instanceId !== m.instanceId ||
        from.value.requestId !== m.requestId
      ) {
        metrics.foreignStream.inc({ reason: 'sender_mismatch' });
        ctx.logger.warn(
          { requestId: m.requestId, instanceId: m.instanceId },
          'stream message whose body does not match its subject dropped',
        );
        return Promise.resolve();
      }
      flights.get(m.requestId)?.message(m);
      return Promise.resolve();
    },
  });
  const liveness = new LivenessTracker(staleAfterMs(config, clock));
  watchLiveness({
    rt,
    clock,
    tracker: liveness,
    sweepEveryMs: config.statePeriodMs,
    onLost: ({ instanceId, why }) => {
      for (const f of flights.values()) f.instanceLost(instanceId, why);
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

  const run = async (endpoint: OpenAiEndpoint, req: IncomingMessage, res: ServerResponse) => {
    const receivedWallMs = clock.wallNowMs();
    const work = rt.lifecycle.begin();
    if (work === undefined) {
      metrics.requests.inc({ endpoint, outcome: 'unavailable' });
      req.resume();
      return fail(res, new AdagenError('unavailable', `gateway is ${rt.lifecycle.state}`));
    }
    try {
      let parsed: GatewayRequest;
      try {
        gate.admit(gate.authenticate(req.headers.authorization), receivedWallMs);
        if (flights.size >= config.maxInFlight)
          throw new AdagenError(
            'overloaded',
            `gateway holds ${flights.size} requests (max ${config.maxInFlight})`,
          );
        parsed = parseOpenAiBody(endpoint, await readJsonBody(req, config.maxBodyBytes), config);
      } catch (thrown) {
        const error = normalizeError(thrown, 'bad_request');
        metrics.requests.inc({ endpoint, outcome: error.code });
        if (error.code === 'payload_too_large') res.setHeader('connection', 'close');
        req.resume();
        return fail(res, error, thrown instanceof BadFieldError ? thrown.param : null);
      }
      if (!config.models.includes(parsed.model)) {
        metrics.requests.inc({ endpoint, outcome: 'not_found' });
        return fail(
          res,
          new AdagenError(
            'not_found',
            `model: "${parsed.model}" is not served here (models: ${config.models.join(', ')})`,
          ),
          'model',
        );
      }
      await admit(endpoint, parsed, res, receivedWallMs, work.signal);
    } finally {
      work.end();
    }
  };

  const admit = async (
    endpoint: OpenAiEndpoint,
    parsed: GatewayRequest,
    res: ServerResponse,
    receivedWallMs: number,
    shutdown: AbortSignal,
  ): Promise<void> => {
    const requestId = randomUUID().replaceAll('-', '');
    const logger = rt.logger.child({ requestId });
    const receivedAtMs = clock.nowMs();
    const deadlineWallMs = receivedWallMs + config.requestTimeoutMs;
    const remainingMs = () => deadlineWallMs - clock.wallNowMs();
    let settle: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const flight: Flight = new Flight({
      requestId,
      req: parsed,
      meta: {
        id: responseId(endpoint, requestId),
        endpoint,
        model: parsed.model,
        created: Math.floor(Date.now() / 1000),
      },
      res,
      receivedWallMs,
      wallNowMs: () => clock.wallNowMs(),
      metrics,
      logger,
      retryAfterS,
      mayRetry: (next) =>
        next < config.maxAttempts && remainingMs() > backoffMs(config.retryBackoffMs, next) + 10,
      onEnd: (how) => {
        flights.delete(requestId);
        metrics.inFlight.set(flights.size);
        metrics.requests.inc({ endpoint, outcome: how });
        clearTimeout(deadline);
        if (how !== 'ok' && flight.mayHoldWork)
          cancel(requestId, flight.attempt, cancelReasonOf(how));
        logger.debug({ outcome: how, ms: clock.wallNowMs() - receivedWallMs }, 'request ended');
        settle();
      },
    });
    flights.set(requestId, flight);
    metrics.inFlight.set(flights.size);
    const deadline = setTimeout(
      () =>
        flight.fail(
          new AdagenError('deadline_exceeded', `no outcome within ${config.requestTimeoutMs} ms`),
        ),
      config.requestTimeoutMs,
    );
    const onShutdown = () => flight.fail(normalizeError(shutdown.reason, 'unavailable'));
    shutdown.addEventListener('abort', onShutdown, { once: true });
    const ir: InferenceRequest = {
      v: 1,
      type: 'inference_request',
      requestId,
      gatewayId,
      attempt: 0,
      receivedAtMs,
      deadlineAtMs: receivedAtMs + clock.fleetDelayMs(config.requestTimeoutMs),
      model: parsed.model,
      endpoint,
      maxTokens: parsed.maxTokens,
      maxTokensIsDefault: parsed.maxTokensIsDefault,
      stream: parsed.stream,
    };
    if (parsed.prompt !== undefined) ir.prompt = parsed.prompt;
    if (parsed.promptTokens !== undefined) ir.promptTokens = parsed.promptTokens;
    if (parsed.targetOutputTokens !== undefined) ir.targetOutputTokens = parsed.targetOutputTokens;
    if (parsed.sampling !== undefined) ir.sampling = parsed.sampling;
    if (parsed.user !== undefined) ir.tenant = parsed.user;
    logger.debug({ endpoint, stream: parsed.stream, maxTokens: parsed.maxTokens }, 'received');
    await placeWithRetries(flight, ir, {
      nc: rt.nc,
      attemptTimeoutMs: config.attemptTimeoutMs,
      retryBackoffMs: config.retryBackoffMs,
      remainingMs,
      cancel: (upTo) => cancel(requestId, upTo, 'retry'),
      ended,
    });
    await ended;
    shutdown.removeEventListener('abort', onShutdown);
  };

  const route = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const endpoint = ROUTES[path];
    if (endpoint !== undefined) {
      if (req.method !== 'POST') {
        req.resume();
        fail(res, new AdagenError('not_found', `${req.method ?? '?'} ${path}: use POST`));
        return true;
      }
      run(endpoint, req, res).catch((error: unknown) => {
        rt.logger.error({ err: error }, 'gateway handler failed');
        fail(res, normalizeError(error));
      });
      return true;
    }
    if (path === '/v1/models' && req.method === 'GET') {
      try {
        gate.authenticate(req.headers.authorization);
      } catch (error) {
        fail(res, normalizeError(error));
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(modelsList(config.models, createdS)));
      return true;
    }
    if (path.startsWith('/v1/')) {
      req.resume();
      fail(res, new AdagenError('not_found', `${req.method ?? '?'} ${path}: no such route`));
      return true;
    }
    return false;
  };

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
