import { AdagenError, DEFAULT_MAX_MESSAGE_BYTES, err, normalizeError } from '@adagen/protocol';
import type { Result } from '@adagen/protocol';
import { NoRespondersError, PermissionViolationError, TimeoutError } from '@nats-io/nats-core';
import type { Msg, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import type { z } from 'zod';
import { codecFor } from './codecs.js';
import { inboxRequest } from './requester.js';
import { errorFromReply } from './service-errors.js';

export interface RequestOptions {
  /** How long to wait for the reply. */
  readonly timeoutMs: number;
  /** @default 1048576 */
  readonly maxBytes?: number;
  readonly headers?: MsgHdrs;
}

function noResponders(thrown: unknown): boolean {
  return thrown instanceof NoRespondersError;
}

/**
 * Whether `request` failed because nobody subscribes to the subject (definitive, unlike a
 * timeout: e.g. the agent serving a dispatch subject is gone).
 */
export function isNoResponders(error: AdagenError): boolean {
  return error.code === 'unavailable' && noResponders(error.cause);
}

/** Maps a failed request (`inboxRequest`) to an AdagenError. */
function transportError(thrown: unknown, subject: string, timeoutMs: number): AdagenError {
  if (noResponders(thrown))
    return new AdagenError('unavailable', `no service is listening on ${subject}`, {
      cause: thrown,
    });
  if (thrown instanceof PermissionViolationError)
    // The server refused the publish (or the reply inbox): retrying cannot help.
    return new AdagenError('forbidden', `not permitted: ${thrown.message}`, { cause: thrown });
  if (thrown instanceof TimeoutError)
    // A hop timed out, not the request's own deadline: the caller may retry.
    return new AdagenError('deadline_exceeded', `no reply on ${subject} within ${timeoutMs} ms`, {
      cause: thrown,
      retryable: true,
    });
  return normalizeError(thrown, 'unavailable');
}

/**
 * Sends a typed request and decodes the typed reply. Never throws: encoding problems, transport
 * failures (no responders, timeout, closed connection), service errors (decoded from the
 * `Nats-Service-Error*` headers back into an AdagenError with its code) and invalid replies all
 * come back as `{ ok: false, error }`.
 */
export async function request<Req, Res>(
  nc: NatsConnection,
  subject: string,
  requestSchema: z.ZodType<Req>,
  responseSchema: z.ZodType<Res>,
  value: Req,
  options: RequestOptions,
): Promise<Result<Res, AdagenError>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let payload: Uint8Array;
  try {
    payload = codecFor(requestSchema, maxBytes, false).encode(value);
  } catch (thrown) {
    return err(normalizeError(thrown, 'invalid_message'));
  }
  let reply: Msg;
  try {
    reply = await inboxRequest(nc, subject, payload, options.timeoutMs, options.headers);
  } catch (thrown) {
    return err(transportError(thrown, subject, options.timeoutMs));
  }
  const serviceError = errorFromReply(reply);
  if (serviceError !== undefined) return err(serviceError);
  return codecFor(responseSchema, maxBytes).decode(reply.data);
}
