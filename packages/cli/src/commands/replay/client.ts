/**
 * One streaming request to an OpenAI-compatible server: POST, read the SSE stream, call back
 * with each content chunk's arrival time. Never throws: failures come back in the result.
 */
import { Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

export interface StreamOutcome {
  /** HTTP status (0 when no response). */
  readonly status: number;
  /** `[DONE]` seen after a normal finish. */
  readonly done: boolean;
  /** Content chunks received. */
  readonly chunks: number;
  /** `usage.completion_tokens`, when the server sent usage. */
  readonly completionTokens?: number;
  /** Error text (HTTP error body, an SSE error event, or a transport error). */
  readonly error?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

function textOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const choices = (event as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  const c = choices[0] as { text?: unknown; delta?: { content?: unknown } };
  const t = typeof c.text === 'string' ? c.text : c.delta?.content;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

function usageOf(event: unknown): number | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const u = (event as { usage?: { completion_tokens?: unknown } }).usage;
  return typeof u?.completion_tokens === 'number' ? u.completion_tokens : undefined;
}

/** POSTs `body` to `url` and reads the SSE stream; `onChunk(atMs)` per content chunk. */
export function streamCompletion(
  url: string,
  body: unknown,
  onChunk: (atMs: number) => void,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<StreamOutcome> {
  const payload = JSON.stringify(body);
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let chunks = 0;
    let done = false;
    let completionTokens: number | undefined;
    let error: string | undefined;
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      resolve({
        status,
        done,
        chunks,
        ...(completionTokens === undefined ? {} : { completionTokens }),
        ...(error === undefined ? {} : { error }),
      });
    };
    const req = send(
      target,
      {
        method: 'POST',
        agent: target.protocol === 'https:' ? undefined : agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          if (status !== 200) {
            buffer += text;
            return;
          }
          buffer += text;
          let cut = buffer.indexOf('\n\n');
          while (cut !== -1) {
            const event = buffer.slice(0, cut).trim();
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf('\n\n');
            if (!event.startsWith('data:')) continue;
            const data = event.slice(5).trim();
            if (data === '[DONE]') {
              done = error === undefined;
              continue;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(data);
            } catch {
              error = `bad SSE data: ${data.slice(0, 200)}`;
              continue;
            }
            if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
              error = JSON.stringify(parsed.error).slice(0, 500);
              continue;
            }
            if (textOf(parsed) !== undefined) {
              chunks += 1;
              onChunk(performance.now());
            }
            completionTokens = usageOf(parsed) ?? completionTokens;
          }
        });
        res.on('end', () => {
          if (status !== 200) error = buffer.slice(0, 500);
          finish(status);
        });
        res.on('error', (e) => {
          error = e.message;
          finish(status);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      error = e.message;
      finish(0);
    });
    req.end(payload);
  });
}
