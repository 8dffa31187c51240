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

/**
 * Reads the body as JSON. @throws AdagenError `payload_too_large` (413) or `bad_request`.
 * Read with stream events, not `for await` (whose iterator costs more than a small body's read
 * on a request's way in).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes)
    throw new AdagenError(
      'payload_too_large',
      `body: expected at most ${maxBytes} bytes, got ${declared}`,
    );
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.byteLength;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(new AdagenError('payload_too_large', `body: expected at most ${maxBytes} bytes`));
        return;
      }
      chunks.push(buf);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete)
        reject(new AdagenError('bad_request', 'body: the client closed before sending it whole'));
    });
  });
  const text = body.toString('utf8');
  if (text.trim() === '')
    throw new AdagenError('bad_request', 'body: expected a JSON object, got nothing');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new AdagenError('bad_request', `body: invalid JSON (${why.slice(0, 200)})`);
  }
}
