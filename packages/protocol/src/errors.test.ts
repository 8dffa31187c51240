import { describe, expect, it } from 'vitest';
import {
  AdagenError,
  ERROR_CODES,
  ERROR_TABLE,
  HTTP_STATUS_BY_CODE,
  errorCodeForStatus,
  isErrorCode,
  normalizeError,
} from './errors.js';

describe('error table', () => {
  it('has the HTTP statuses clients rely on', () => {
    expect(HTTP_STATUS_BY_CODE).toMatchObject({
      bad_request: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      payload_too_large: 413,
      overloaded: 429,
      rate_limited: 429,
      internal: 500,
      unavailable: 503,
      deadline_exceeded: 504,
    });
  });

  it('has one row per code and nothing else', () => {
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('marks load and availability errors retryable and input errors terminal', () => {
    expect(ERROR_TABLE.overloaded.retryable).toBe(true);
    expect(ERROR_TABLE.unavailable.retryable).toBe(true);
    expect(ERROR_TABLE.invalid_message.retryable).toBe(false);
    expect(ERROR_TABLE.bad_request.retryable).toBe(false);
  });

  it('maps a status back to a code', () => {
    expect(errorCodeForStatus(504)).toBe('deadline_exceeded');
    expect(errorCodeForStatus(418)).toBe('bad_request');
    expect(errorCodeForStatus(599)).toBe('internal');
  });
});

describe('AdagenError and normalizeError', () => {
  it('carries code, status, retryability and cause', () => {
    const cause = new Error('socket closed');
    const error = new AdagenError('unavailable', 'agent gone', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.httpStatus).toBe(503);
    expect(error.openaiType).toBe('server_error');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(new AdagenError('unavailable', 'x', { retryable: false }).retryable).toBe(false);
  });

  it('passes AdagenErrors through and wraps everything else', () => {
    const original = new AdagenError('not_found', 'no such model');
    expect(normalizeError(original)).toBe(original);
    const fromError = normalizeError(new TypeError('boom'));
    expect(fromError.code).toBe('internal');
    expect(fromError.message).toBe('boom');
    expect(fromError.cause).toBeInstanceOf(TypeError);
    expect(normalizeError('plain text').message).toBe('plain text');
    expect(normalizeError({ weird: true }).message).toContain('{"weird":true}');
    expect(normalizeError(undefined).code).toBe('internal');
    expect(normalizeError(new Error('late'), 'unavailable').code).toBe('unavailable');
  });

  it('keeps a known code found on a foreign error', () => {
    const foreign = Object.assign(new Error('too many'), { code: 'rate_limited' });
    expect(normalizeError(foreign).code).toBe('rate_limited');
    const unknown = Object.assign(new Error('x'), { code: 'ECONNRESET' });
    expect(normalizeError(unknown).code).toBe('internal');
    expect(isErrorCode('ECONNRESET')).toBe(false);
  });
});
