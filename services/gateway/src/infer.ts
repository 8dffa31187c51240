/**
 * One inference request through the gateway: key and rate limit, the in-flight bound, the body
 * and SLO headers (a field no ready instance can honour is refused here), then a request id, a
 * deadline and a `Flight`, placed with retries until it has its one outcome.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BadFieldError,
  parseOpenAiBody,
  parseSloHeaders,
  responseId,
  unhonouredField,
} from '@adagen/fleet';
import type { FleetClock, GatewayRequest, OpenAiEndpoint } from '@adagen/fleet';
import { AdagenError, normalizeError } from '@adagen/protocol';
import type { CancelReason, EngineCapabilities, InferenceRequest } from '@adagen/protocol';
import { childLogger } from '@adagen/runtime';
import type { InFlight, ServiceRuntime } from '@adagen/runtime';
import type { Gatekeeper } from './auth.js';
import type { GatewayConfig } from './config.js';
import { Flight } from './flight.js';
import type { FlightEnd } from './flight.js';
import { readJsonBody } from './http.js';
import type { GatewayMetrics } from './metrics.js';
import { backoffMs, placeWithRetries } from './place.js';

export interface InferDeps {
  readonly rt: ServiceRuntime;
  readonly config: GatewayConfig;
  readonly gatewayId: string;
  readonly clock: FleetClock;
  readonly gate: Gatekeeper;
  readonly metrics: GatewayMetrics;
  readonly flights: Map<string, Flight>;
  /** What the ready instances can do now. */
  readonly capabilities: () => EngineCapabilities[];
  readonly cancel: (requestId: string, upToAttempt: number, reason: CancelReason) => void;
  readonly fail: (res: ServerResponse, error: AdagenError, param?: string | null) => void;
}

const cancelReasonOf = (end: FlightEnd): CancelReason =>
  end === 'client_closed' ? 'client_closed' : end === 'deadline_exceeded' ? 'deadline' : 'failed';

/** The request as the classifier receives it. */
function wireRequest(
  parsed: GatewayRequest,
  ids: { requestId: string; gatewayId: string },
  receivedAtMs: number,
  deadlineAtMs: number,
): InferenceRequest {
  const ir: InferenceRequest = {
    v: 1,
    type: 'inference_request',
    ...ids,
    attempt: 0,
    receivedAtMs,
    deadlineAtMs,
    model: parsed.model,
    endpoint: parsed.endpoint,
    stream: parsed.stream,
  };
  if (parsed.prompt !== undefined) ir.prompt = parsed.prompt;
  if (parsed.promptTokenIds !== undefined) ir.promptTokenIds = [...parsed.promptTokenIds];
  if (parsed.messages !== undefined) ir.messages = [...parsed.messages];
  if (parsed.maxTokens !== undefined) ir.maxTokens = parsed.maxTokens;
  if (parsed.targetOutputTokens !== undefined) ir.targetOutputTokens = parsed.targetOutputTokens;
  if (parsed.sampling !== undefined) ir.sampling = parsed.sampling;
  if (parsed.user !== undefined) ir.tenant = parsed.user;
  if (parsed.slo !== undefined) ir.slo = parsed.slo;
  if (parsed.priority !== undefined) ir.priority = parsed.priority;
  return ir;
}

export function inferenceHandler(d: InferDeps) {
  const { rt, config, clock, metrics, flights } = d;

  /** Reads and checks everything the client sent. @throws AdagenError */
  const readRequest = async (
    endpoint: OpenAiEndpoint,
    req: IncomingMessage,
    receivedWallMs: number,
  ): Promise<GatewayRequest> => {
    d.gate.admit(d.gate.authenticate(req.headers.authorization), receivedWallMs);
    if (flights.size >= config.maxInFlight)
      throw new AdagenError(
        'overloaded',
        `gateway holds ${flights.size} requests (max ${config.maxInFlight})`,
      );
    const headers = parseSloHeaders(req.headers);
    const parsed = {
      ...parseOpenAiBody(endpoint, await readJsonBody(req, config.maxBodyBytes)),
      ...headers,
    };
    if (!config.models.includes(parsed.model))
      throw new AdagenError(
        'model_not_found',
        `The model \`${parsed.model}\` does not exist (served here: ${config.models.join(', ')}).`,
      );
    const refused = unhonouredField(parsed, d.capabilities());
    if (refused !== undefined) throw new BadFieldError(refused.param, refused.message);
    return parsed;
  };

  const place = async (
    endpoint: OpenAiEndpoint,
    parsed: GatewayRequest,
    res: ServerResponse,
    receivedWallMs: number,
    work: InFlight,
  ): Promise<void> => {
    const requestId = randomUUID().replaceAll('-', '');
    const logger = childLogger(rt.logger, { requestId });
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
      retryAfterS: config.retryAfterS,
      gapTimeoutMs: config.streamGapTimeoutMs,
      maxBufferedBytes: config.sseMaxBufferedBytes,
      paramOf: (e) =>
        e.code === 'context_length_exceeded' ? (endpoint === 'chat' ? 'messages' : 'prompt') : null,
      mayRetry: (next) =>
        next < config.maxAttempts && remainingMs() > backoffMs(config.retryBackoffMs, next) + 10,
      onEnd: (how) => {
        flights.delete(requestId);
        metrics.inFlight.set(flights.size);
        metrics.requests.inc({ endpoint, outcome: how });
        clearTimeout(deadline);
        if (how !== 'ok' && flight.mayHoldWork)
          d.cancel(requestId, flight.attempt, cancelReasonOf(how));
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
    work.onAbort((reason) => flight.fail(normalizeError(reason, 'unavailable')));
    const ir = wireRequest(
      parsed,
      { requestId, gatewayId: d.gatewayId },
      receivedAtMs,
      receivedAtMs + clock.fleetDelayMs(config.requestTimeoutMs),
    );
    logger.debug({ endpoint, stream: parsed.stream, maxTokens: parsed.maxTokens }, 'received');
    await placeWithRetries(flight, ir, {
      nc: rt.nc,
      attemptTimeoutMs: config.attemptTimeoutMs,
      retryBackoffMs: config.retryBackoffMs,
      remainingMs,
      cancel: (upTo) => d.cancel(requestId, upTo, 'retry'),
      ended,
    });
    await ended;
  };

  return async (endpoint: OpenAiEndpoint, req: IncomingMessage, res: ServerResponse) => {
    const receivedWallMs = clock.wallNowMs();
    const work = rt.lifecycle.begin();
    if (work === undefined) {
      metrics.requests.inc({ endpoint, outcome: 'unavailable' });
      req.resume();
      return d.fail(res, new AdagenError('unavailable', `gateway is ${rt.lifecycle.state}`));
    }
    try {
      let parsed: GatewayRequest;
      try {
        parsed = await readRequest(endpoint, req, receivedWallMs);
      } catch (thrown) {
        const error = normalizeError(thrown, 'bad_request');
        metrics.requests.inc({ endpoint, outcome: error.code });
        if (error.code === 'payload_too_large') res.setHeader('connection', 'close');
        req.resume();
        const param =
          thrown instanceof BadFieldError
            ? thrown.param
            : error.code === 'model_not_found'
              ? 'model'
              : null;
        return d.fail(res, error, param);
      }
      await place(endpoint, parsed, res, receivedWallMs, work);
    } finally {
      work.end();
    }
  };
}
