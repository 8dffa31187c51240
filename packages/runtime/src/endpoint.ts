import { AdagenError, DEFAULT_MAX_MESSAGE_BYTES, normalizeError } from '@adagen/protocol';
import type { MsgHdrs } from '@nats-io/nats-core';
import { performance } from 'node:perf_hooks';
import type { ServiceMsg } from '@nats-io/services';
import type { z } from 'zod';
import { codecFor } from './codecs.js';
import type { InFlight, Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import type { MessageOutcome, RuntimeMetrics } from './metrics.js';
import { serviceErrorReply } from './service-errors.js';

/** What a handler gets besides the decoded request. */
export interface RequestContext {
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;
  /** Bound to `{endpoint}`; add `requestId` with `logger.child` once known. */
  readonly logger: Logger;
  /** Aborted (reason: an `unavailable` AdagenError) when shutdown grace runs out. */
  readonly signal: AbortSignal;
}

export type EndpointHandler<Req, Res> = (request: Req, context: RequestContext) => Promise<Res>;

export interface EndpointOptions<Req, Res> {
  readonly requestSchema: z.ZodType<Req>;
  readonly responseSchema: z.ZodType<Res>;
  readonly handler: EndpointHandler<Req, Res>;
  /**
   * Handlers running at once; beyond it requests are answered `overloaded` (429).
   * @default 64
   */
  readonly maxInFlight?: number;
  /** @default 1048576 */
  readonly maxBytes?: number;
}

interface EndpointDeps {
  readonly name: string;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
}

/**
 * A request's context. A class, not an object literal with a getter: V8 defines a literal's
 * accessor anew for every object, on the decision chain's critical path.
 */
class EndpointContext implements RequestContext {
  readonly subject: string;
  readonly headers: MsgHdrs | undefined;

  constructor(
    msg: ServiceMsg,
    readonly logger: Logger,
    private readonly work: InFlight,
  ) {
    this.subject = msg.subject;
    this.headers = msg.headers;
  }

  /** Made on first use (most handlers never read it). */
  get signal(): AbortSignal {
    return this.work.signal;
  }
}

/**
 * The per-message logic of an endpoint: refuse when not ready or over capacity, decode and
 * validate, await the handler, validate and encode its response, and answer every failure with a
 * service error. Returns the NATS callback; it never throws.
 */
export function endpointCallback<Req, Res>(
  deps: EndpointDeps,
  options: EndpointOptions<Req, Res>,
): (msg: ServiceMsg) => void {
  const { name, lifecycle, logger, metrics } = deps;
  const maxInFlight = options.maxInFlight ?? 64;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const requestCodec = codecFor(options.requestSchema, maxBytes);
  const responseCodec = codecFor(options.responseSchema, maxBytes);
  let running = 0;
  metrics.trackInFlight(name, () => running);
  const seconds = metrics.endpointSeconds.labels({ endpoint: name });

  const count = (outcome: MessageOutcome) =>
    metrics.endpointMessages.inc({ endpoint: name, outcome });
  const reply = (msg: ServiceMsg, send: () => boolean) => {
    try {
      if (!send() && msg.reply !== '') logger.warn({ subject: msg.subject }, 'reply not sent');
    } catch (error) {
      logger.warn({ err: error, subject: msg.subject }, 'reply failed');
    }
  };
  const replyError = (msg: ServiceMsg, error: AdagenError) => {
    const { status, description, headers } = serviceErrorReply(error);
    reply(msg, () => msg.respondError(status, description, undefined, { headers }));
  };

  // Everything before the handler runs is on the decision chain's critical path, where a
  // request usually finds this process idle and its caches cold (each extra step costs tens of
  // µs there): no signal or listener per message, metrics kept after the reply is sent.
  async function handle(msg: ServiceMsg, work: InFlight): Promise<void> {
    const t0 = performance.now();
    let answered = false;
    let outcome: MessageOutcome | undefined;
    const answerOnce = (how: MessageOutcome, answer: () => void) => {
      if (answered) return;
      answered = true;
      outcome = how;
      answer();
    };
    work.onAbort((reason) =>
      answerOnce('aborted', () => {
        count('aborted'); // now: the handler may never return
        replyError(msg, normalizeError(reason, 'unavailable'));
      }),
    );
    try {
      const decoded = requestCodec.decode(msg.data);
      if (!decoded.ok) {
        logger.warn({ subject: msg.subject, error: decoded.error.message }, 'invalid request');
        answerOnce('invalid', () => replyError(msg, decoded.error));
        return;
      }
      const context = new EndpointContext(msg, logger, work);
      let response: Res;
      try {
        response = await options.handler(decoded.value, context);
      } catch (thrown) {
        const error = normalizeError(thrown);
        const log = { err: thrown, code: error.code, subject: msg.subject };
        if (error.code === 'internal') logger.error(log, 'handler failed');
        else logger.info(log, 'handler answered an error');
        answerOnce('handler_error', () => replyError(msg, error));
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = responseCodec.encode(response);
      } catch (thrown) {
        const error = normalizeError(thrown);
        logger.error({ err: thrown, subject: msg.subject }, 'handler returned an invalid response');
        answerOnce('bad_response', () =>
          replyError(
            msg,
            new AdagenError('internal', `invalid response: ${error.message}`, { cause: error }),
          ),
        );
        return;
      }
      answerOnce('ok', () => reply(msg, () => msg.respond(bytes)));
    } finally {
      work.end();
      if (outcome !== undefined && outcome !== 'aborted') count(outcome);
      seconds.observe((performance.now() - t0) / 1000);
    }
  }

  return (msg: ServiceMsg) => {
    if (running >= maxInFlight) {
      count('overloaded');
      replyError(
        msg,
        new AdagenError(
          'overloaded',
          `${name}: ${running} requests in flight (max ${maxInFlight})`,
        ),
      );
      return;
    }
    const work = lifecycle.begin();
    if (work === undefined) {
      count('unavailable');
      replyError(msg, new AdagenError('unavailable', `${name}: service is ${lifecycle.state}`));
      return;
    }
    running += 1;
    handle(msg, work)
      .catch((error: unknown) => logger.error({ err: error }, 'endpoint bug: handle() threw'))
      .finally(() => {
        running -= 1;
      });
  };
}
