import { request as httpRequest } from 'node:http';
/** A small OpenAI-style client for the tests: whole responses and SSE streams. */
export interface StreamResult {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed `data:` events before `[DONE]`. */
  readonly events: Array<Record<string, unknown>>;
  readonly sawDone: boolean;
  /** Wall ms of each event after the request was sent. */
  readonly atMs: number[];
  readonly body: string;
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}

export function postStream(url: string, body: unknown): Promise<StreamResult> {
  const t0 = performance.now();
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const events: Array<Record<string, unknown>> = [];
        const atMs: number[] = [];
        let sawDone = false;
        let all = '';
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          all += text;
          buffer += text;
          let cut = buffer.indexOf('\n\n');
          while (cut !== -1) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf('\n\n');
            if (!event.startsWith('data: ')) continue;
            const data = event.slice(6);
            if (data === '[DONE]') sawDone = true;
            else {
              events.push(JSON.parse(data) as Record<string, unknown>);
              atMs.push(performance.now() - t0);
            }
          }
        });
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, events, sawDone, atMs, body: all });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
