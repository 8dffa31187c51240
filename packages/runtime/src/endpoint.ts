import { AdagenError, DEFAULT_MAX_MESSAGE_BYTES, normalizeError } from '@adagen/protocol';
import type { MsgHdrs } from '@nats-io/nats-core';
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

  async function handle(msg: ServiceMsg, work: InFlight): Promise<void> {
    let answered = false;
    const answerOnce = (answer: () => void) => {
      if (answered) return;
      answered = true;
      answer();
    };
    const onAbort = () =>
      answerOnce(() => {
        count('aborted');
        replyError(msg, normalizeError(work.signal.reason, 'unavailable'));
      });
    work.signal.addEventListener('abort', onAbort, { once: true });
    const stopTimer = metrics.endpointSeconds.startTimer({ endpoint: name });
    try {
      const decoded = requestCodec.decode(msg.data);
      if (!decoded.ok) {
        logger.warn({ subject: msg.subject, error: decoded.error.message }, 'invalid request');
        answerOnce(() => {
          count('invalid');
          replyError(msg, decoded.error);
        });
        return;
      }
      const context: RequestContext = {
        subject: msg.subject,
        headers: msg.headers,
        logger,
        signal: work.signal,
      };
      let response: Res;
      try {
        response = await options.handler(decoded.value, context);
      } catch (thrown) {
        const error = normalizeError(thrown);
        const log = { err: thrown, code: error.code, subject: msg.subject };
        if (error.code === 'internal') logger.error(log, 'handler failed');
        else logger.info(log, 'handler answered an error');
        answerOnce(() => {
          count('handler_error');
          replyError(msg, error);
        });
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = responseCodec.encode(response);
      } catch (thrown) {
        const error = normalizeError(thrown);
        logger.error({ err: thrown, subject: msg.subject }, 'handler returned an invalid response');
        answerOnce(() => {
          count('bad_response');
          replyError(
            msg,
            new AdagenError('internal', `invalid response: ${error.message}`, { cause: error }),
          );
        });
        return;
      }
      answerOnce(() => {
        count('ok');
        reply(msg, () => msg.respond(bytes));
      });
    } finally {
      stopTimer();
      work.signal.removeEventListener('abort', onAbort);
      work.end();
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
    metrics.endpointInFlight.inc({ endpoint: name });
    handle(msg, work)
      .catch((error: unknown) => logger.error({ err: error }, 'endpoint bug: handle() threw'))
      .finally(() => {
        running -= 1;
        metrics.endpointInFlight.dec({ endpoint: name });
      });
  };
}
