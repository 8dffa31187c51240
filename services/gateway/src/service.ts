/**
 * The gateway: OpenAI-compatible HTTP in front of the fleet. Validates the body, gives the
 * request an id and a deadline, registers it for its stream subject, and asks `svc.classify`
 * (which answers once the agents accepted the plan). Tokens arrive straight from the agents on
 * `adagen.v1.stream.<gatewayId>.<requestId>`; every accepted request ends in exactly one
 * outcome for the client (done, error, or 504 at the deadline).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadFieldError, modelsList, parseOpenAiBody, responseId } from '@adagen/fleet';
import type { GatewayRequest, OpenAiEndpoint } from '@adagen/fleet';
import {
  AdagenError,
  inferenceRequestSchema,
  normalizeError,
  planResultSchema,
  streamMessageSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { InferenceRequest } from '@adagen/protocol';
import { request, startOpsServer, startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, OpsServer, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, randomSuffix } from '@adagen/svc-shared';
import type { GatewayConfig } from './config.js';
import { Flight } from './flight.js';
import { readJsonBody, sendError } from './http.js';
import { gatewayMetrics } from './metrics.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayRuntime extends ServiceRuntime {
  readonly gatewayId: string;
  /** The OpenAI API base, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly api: OpsServer;
}

const ROUTES: Readonly<Record<string, OpenAiEndpoint>> = {
  '/v1/completions': 'completions',
  '/v1/chat/completions': 'chat',
};

export async function startGateway(
  config: GatewayConfig,
  options: { logger?: Logger } = {},
): Promise<GatewayRuntime> {
  const gatewayId = config.gatewayId ?? `gw-${randomSuffix()}`;
  const clock = fleetClockOf(config);
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

  subscribe(rt.nc, wildcards.gatewayStreams(gatewayId), {
    schema: streamMessageSchema,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (m) => {
      flights.get(m.requestId)?.message(m);
      return Promise.resolve();
    },
  });

  const run = async (endpoint: OpenAiEndpoint, req: IncomingMessage, res: ServerResponse) => {
    const receivedWallMs = clock.wallNowMs();
    const work = rt.lifecycle.begin();
    if (work === undefined) {
      metrics.requests.inc({ endpoint, outcome: 'unavailable' });
      return sendError(
        res,
        new AdagenError('unavailable', `gateway is ${rt.lifecycle.state}`),
        null,
        retryAfterS,
      );
    }
    try {
      if (flights.size >= config.maxInFlight) {
        metrics.requests.inc({ endpoint, outcome: 'overloaded' });
        req.resume();
        return sendError(
          res,
          new AdagenError(
            'overloaded',
            `gateway holds ${flights.size} requests (max ${config.maxInFlight})`,
          ),
          null,
          retryAfterS,
        );
      }
      let parsed: GatewayRequest;
      try {
        parsed = parseOpenAiBody(endpoint, await readJsonBody(req, config.maxBodyBytes), config);
      } catch (thrown) {
        const error = normalizeError(thrown, 'bad_request');
        metrics.requests.inc({ endpoint, outcome: error.code });
        if (error.code === 'payload_too_large') res.setHeader('connection', 'close');
        req.resume();
        return sendError(
          res,
          error,
          thrown instanceof BadFieldError ? thrown.param : null,
          retryAfterS,
        );
      }
      if (!config.models.includes(parsed.model)) {
        metrics.requests.inc({ endpoint, outcome: 'not_found' });
        return sendError(
          res,
          new AdagenError(
            'not_found',
            `model: "${parsed.model}" is not served here (models: ${config.models.join(', ')})`,
          ),
          'model',
          retryAfterS,
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
    let settle: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const flight = new Flight({
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
      onEnd: (how) => {
        flights.delete(requestId);
        metrics.inFlight.set(flights.size);
        metrics.requests.inc({ endpoint, outcome: how });
        clearTimeout(deadline);
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
    logger.debug(
      { endpoint, stream: parsed.stream, maxTokens: parsed.maxTokens },
      'request received',
    );
    const result = await request(
      rt.nc,
      subjects.classify,
      inferenceRequestSchema,
      planResultSchema,
      ir,
      {
        timeoutMs: config.requestTimeoutMs,
      },
    );
    if (result.ok) {
      logger.debug({ plan: result.value.plan, policy: result.value.policy }, 'request accepted');
      flight.accept(result.value);
    } else {
      const e = result.error;
      // A hop that timed out is the request's deadline from the client's point of view.
      flight.fail(
        e.code === 'deadline_exceeded' ? new AdagenError('deadline_exceeded', e.message) : e,
      );
    }
    await ended;
    shutdown.removeEventListener('abort', onShutdown);
  };

  const route = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const endpoint = ROUTES[path];
    if (endpoint !== undefined) {
      if (req.method !== 'POST') {
        sendError(
          res,
          new AdagenError('not_found', `${req.method ?? '?'} ${path}: use POST`),
          null,
          retryAfterS,
        );
        return true;
      }
      run(endpoint, req, res).catch((error: unknown) => {
        rt.logger.error({ err: error }, 'gateway handler failed');
        sendError(res, normalizeError(error), null, retryAfterS);
      });
      return true;
    }
    if (path === '/v1/models' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(modelsList(config.models, createdS)));
      return true;
    }
    if (path.startsWith('/v1/')) {
      sendError(
        res,
        new AdagenError('not_found', `${req.method ?? '?'} ${path}: no such route`),
        null,
        retryAfterS,
      );
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
  });
  rt.lifecycle.onStop('gateway http server', () => api.close());
  await rt.ready();
  rt.logger.info({ gatewayId, url: api.url }, 'gateway ready');
  return { ...rt, stop: (reason?: string) => rt.stop(reason), gatewayId, url: api.url, api };
}
