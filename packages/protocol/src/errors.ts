import { z } from 'zod';

/** Every error code AdaGen sends on the wire or to clients. */
export const ERROR_CODES = [
  'bad_request',
  'context_length_exceeded',
  'payload_too_large',
  'invalid_message',
  'unknown_subject',
  'not_found',
  'model_not_found',
  'method_not_allowed',
  'unauthorized',
  'forbidden',
  'duplicate',
  'overloaded',
  'rate_limited',
  'unavailable',
  'no_instance',
  'instance_failed',
  'deadline_exceeded',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorCodeSchema = z.enum(ERROR_CODES);

/** OpenAI-style error `type` values, as sent in HTTP error bodies. */
export const OPENAI_ERROR_TYPES = {
  invalidRequest: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  notFound: 'not_found_error',
  rateLimit: 'rate_limit_error',
  server: 'server_error',
  timeout: 'timeout_error',
} as const;

export type OpenAiErrorType = (typeof OPENAI_ERROR_TYPES)[keyof typeof OPENAI_ERROR_TYPES];

export interface ErrorSpec {
  /** HTTP status sent to clients and in `Nats-Service-Error-Code`. */
  readonly httpStatus: number;
  /** OpenAI error `type`. */
  readonly openaiType: OpenAiErrorType;
  /** Retryable: the same request may succeed later (or elsewhere). Otherwise terminal. */
  readonly retryable: boolean;
  readonly description: string;
}

const T = OPENAI_ERROR_TYPES;

/**
 * The one error table. Typed as `Record<ErrorCode, ErrorSpec>`, so adding a code to
 * {@link ERROR_CODES} without a row here fails to compile.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorSpec>> = {
  bad_request: {
    httpStatus: 400,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'The request is malformed or out of bounds.',
  },
  context_length_exceeded: {
    httpStatus: 400,
    openaiType: T.invalidRequest,
    retryable: false,
    description: "The prompt and max_tokens do not fit the model's context.",
  },
  payload_too_large: {
    httpStatus: 413,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'The payload exceeds the size limit.',
  },
  invalid_message: {
    httpStatus: 400,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'A wire message failed schema validation.',
  },
  unknown_subject: {
    httpStatus: 400,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'The subject is not part of the AdaGen hierarchy.',
  },
  not_found: {
    httpStatus: 404,
    openaiType: T.notFound,
    retryable: false,
    description: 'The model, route or entity does not exist.',
  },
  model_not_found: {
    httpStatus: 404,
    openaiType: T.notFound,
    retryable: false,
    description: 'The model is not served here.',
  },
  method_not_allowed: {
    httpStatus: 405,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'The route exists but not with this HTTP method.',
  },
  unauthorized: {
    httpStatus: 401,
    openaiType: T.authentication,
    retryable: false,
    description: 'Missing or invalid credentials.',
  },
  forbidden: {
    httpStatus: 403,
    openaiType: T.permission,
    retryable: false,
    description: 'The caller may not do this.',
  },
  duplicate: {
    httpStatus: 409,
    openaiType: T.invalidRequest,
    retryable: false,
    description: 'The request id is already running.',
  },
  overloaded: {
    httpStatus: 429,
    openaiType: T.rateLimit,
    retryable: true,
    description: 'Too much work in flight; retry later.',
  },
  rate_limited: {
    httpStatus: 429,
    openaiType: T.rateLimit,
    retryable: true,
    description: 'The caller exceeded its rate limit.',
  },
  unavailable: {
    httpStatus: 503,
    openaiType: T.server,
    retryable: true,
    description: 'The service is starting, draining or unreachable.',
  },
  no_instance: {
    httpStatus: 503,
    openaiType: T.server,
    retryable: true,
    description: 'No instance can take the request now.',
  },
  instance_failed: {
    httpStatus: 502,
    openaiType: T.server,
    retryable: true,
    description: 'The instance running the request failed.',
  },
  deadline_exceeded: {
    httpStatus: 504,
    openaiType: T.timeout,
    retryable: false,
    description: "The request's deadline passed.",
  },
  internal: {
    httpStatus: 500,
    openaiType: T.server,
    retryable: false,
    description: 'An unexpected internal error.',
  },
};

/** HTTP status per code; exhaustive by type. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze(
  Object.fromEntries(ERROR_CODES.map((code) => [code, ERROR_TABLE[code].httpStatus])) as Record<
    ErrorCode,
    number
  >,
);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The code to use for an HTTP/service status when no AdaGen code came with it. */
export function errorCodeForStatus(status: number): ErrorCode {
  const exact = ERROR_CODES.find((code) => ERROR_TABLE[code].httpStatus === status);
  if (exact !== undefined) return exact;
  return status >= 500 ? 'internal' : 'bad_request';
}

export interface AdagenErrorOptions {
  readonly cause?: unknown;
  /** Overrides the table's default for this code. */
  readonly retryable?: boolean;
  /**
   * When a retry may succeed, in wall ms from now (overload: the predicted backlog); the gateway
   * turns it into `Retry-After`.
   */
  readonly retryAfterMs?: number;
}

/** The error every AdaGen boundary speaks: a code from the table, a message, a cause. */
export class AdagenError extends Error {
  override readonly name = 'AdagenError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: AdagenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_TABLE[code].retryable;
    const after = options.retryAfterMs;
    this.retryAfterMs =
      after !== undefined && Number.isFinite(after) && after >= 0 ? after : undefined;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].httpStatus;
  }

  get openaiType(): OpenAiErrorType {
    return ERROR_TABLE[this.code].openaiType;
  }
}

/**
 * Turns any thrown value into an {@link AdagenError}, once, at a boundary. AdagenErrors pass
 * through; objects carrying a known `code` keep it; everything else becomes `internal`.
 */
export function normalizeError(value: unknown, fallback: ErrorCode = 'internal'): AdagenError {
  if (value instanceof AdagenError) return value;
  if (value instanceof Error) {
    const code = (value as Error & { code?: unknown }).code;
    return new AdagenError(isErrorCode(code) ? code : fallback, value.message || value.name, {
      cause: value,
    });
  }
  if (typeof value === 'string') return new AdagenError(fallback, value);
  return new AdagenError(fallback, `non-error value thrown: ${describe(value)}`, { cause: value });
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 200);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
