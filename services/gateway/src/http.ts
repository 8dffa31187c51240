/** HTTP plumbing of the gateway: reading a bounded JSON body, OpenAI error responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '@adagen/fleet';
import { AdagenError } from '@adagen/protocol';

/**
 * `Retry-After` in whole seconds: from the error when it carries a prediction (overload backlog,
 * rate limit refill), else the configured default; at least 1 when predicted, at most an hour.
 */
export function retryAfterSeconds(error: AdagenError, fallbackS: number): number {
  if (error.retryAfterMs === undefined) return fallbackS;
  return Math.min(3600, Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
}

/** Sends OpenAI's error JSON with the table's status (and `Retry-After` for 429 / 503). */
export function sendError(
  res: ServerResponse,
  error: AdagenError,
  param: string | null,
  retryAfterS: number,
  extraHeaders: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  const status = error.httpStatus;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (status === 429 || status === 503)
    headers['retry-after'] = String(retryAfterSeconds(error, retryAfterS));
  res.writeHead(status, headers);
  res.end(JSON.stringify(errorBody(error, param)));
}

/** Reads the body as JSON. @throws AdagenError `payload_too_large` (413) or `bad_request`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes)
    throw new AdagenError(
      'payload_too_large',
      `body: expected at most ${maxBytes} bytes, got ${declared}`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.byteLength;
    if (size > maxBytes)
      throw new AdagenError('payload_too_large', `body: expected at most ${maxBytes} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '')
    throw new AdagenError('bad_request', 'body: expected a JSON object, got nothing');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new AdagenError('bad_request', `body: invalid JSON (${why.slice(0, 200)})`);
  }
}
