import { AdagenError, ERROR_TABLE, errorCodeForStatus, isErrorCode } from '@adagen/protocol';
import { headers } from '@nats-io/nats-core';
import type { Msg, MsgHdrs } from '@nats-io/nats-core';
import { ServiceErrorCodeHeader, ServiceErrorHeader } from '@nats-io/services';

/** The AdaGen error code, next to the Service API's numeric `Nats-Service-Error-Code`. */
export const ADAGEN_ERROR_CODE_HEADER = 'Adagen-Error-Code';
/** `true` / `false`: whether the caller may retry (when it differs from the table's default). */
export const ADAGEN_ERROR_RETRYABLE_HEADER = 'Adagen-Error-Retryable';
/** Wall ms after which a retry may succeed (an overloaded fleet's predicted backlog). */
export const ADAGEN_RETRY_AFTER_MS_HEADER = 'Adagen-Retry-After-Ms';

/** Longest error description sent in a header. */
const MAX_DESCRIPTION_CHARS = 1024;

/** Header values cannot hold line breaks; long messages are cut. */
export function headerSafe(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  return flat.length > MAX_DESCRIPTION_CHARS
    ? `${flat.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`
    : flat;
}

/**
 * The Service API error reply for an AdagenError: status (the table's HTTP status) and
 * description for `respondError`, plus headers carrying the AdaGen code and retryability.
 */
export function serviceErrorReply(error: AdagenError): {
  readonly status: number;
  readonly description: string;
  readonly headers: MsgHdrs;
} {
  const h = headers();
  h.set(ADAGEN_ERROR_CODE_HEADER, error.code);
  h.set(ADAGEN_ERROR_RETRYABLE_HEADER, String(error.retryable));
  if (error.retryAfterMs !== undefined)
    h.set(ADAGEN_RETRY_AFTER_MS_HEADER, String(Math.round(error.retryAfterMs)));
  return { status: error.httpStatus, description: headerSafe(error.message), headers: h };
}

/** The AdagenError carried by a service error reply, or undefined for a normal reply. */
export function errorFromReply(msg: Pick<Msg, 'headers'>): AdagenError | undefined {
  const status = msg.headers?.get(ServiceErrorCodeHeader) ?? '';
  if (status === '') return undefined;
  const code = msg.headers?.get(ADAGEN_ERROR_CODE_HEADER) ?? '';
  const resolved = isErrorCode(code)
    ? code
    : errorCodeForStatus(Number.parseInt(status, 10) || 500);
  const description = msg.headers?.get(ServiceErrorHeader) ?? '';
  const retryable = msg.headers?.get(ADAGEN_ERROR_RETRYABLE_HEADER);
  const after = Number.parseInt(msg.headers?.get(ADAGEN_RETRY_AFTER_MS_HEADER) ?? '', 10);
  return new AdagenError(resolved, description === '' ? `service error ${status}` : description, {
    retryable:
      retryable === undefined || retryable === ''
        ? ERROR_TABLE[resolved].retryable
        : retryable === 'true',
    ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: Math.min(after, 3_600_000) } : {}),
  });
}
