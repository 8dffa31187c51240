/**
 * A client for fault tests that never waits forever: every request ends in one classified
 * outcome — completed, failed with an OpenAI error, lost (the connection ended without an
 * outcome, or the body was not one), or hung (no outcome within the client's own timeout).
 */
import { request as httpRequest } from 'node:http';

export type OutcomeKind = 'completed' | 'failed' | 'lost' | 'hung';

export interface Outcome {
  readonly kind: OutcomeKind;
  readonly status: number;
  /** The error code when failed. */
  readonly code?: string;
  readonly message?: string;
  /** Streamed token chunks received (streaming requests). */
  readonly tokens: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ms: number;
}

export interface SendOptions {
  /** No outcome by then: hung. */
  readonly clientTimeoutMs: number;
  /** Called on each streamed token chunk (e.g. to kill an agent mid-stream). */
  readonly onToken?: (n: number) => void;
  readonly headers?: Readonly<Record<string, string>>;
}

interface ErrorJson {
  error?: { code?: string; message?: string };
}

function classifyStream(body: string): Pick<Outcome, 'kind' | 'code' | 'message' | 'tokens'> {
  const events = body.split('\n\n').filter((e) => e.startsWith('data: '));
  const done = events.at(-1) === 'data: [DONE]';
  const json = events
    .filter((e) => e !== 'data: [DONE]')
    .map(
      (e) =>
        JSON.parse(e.slice(6)) as ErrorJson & { choices?: { finish_reason?: string | null }[] },
    );
  const tokens = json.filter(
    (j) => j.choices?.[0] !== undefined && j.choices[0].finish_reason === null,
  ).length;
  const last = json.at(-1);
  if (!done) return { kind: 'lost', tokens };
  if (last?.error !== undefined)
    return {
      kind: 'failed',
      code: last.error.code ?? '?',
      message: last.error.message ?? '',
      tokens,
    };
  const finished = json.some((j) => typeof j.choices?.[0]?.finish_reason === 'string');
  return { kind: finished ? 'completed' : 'lost', tokens };
}

export function send(url: string, body: Record<string, unknown>, o: SendOptions): Promise<Outcome> {
  const t0 = performance.now();
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, ms: performance.now() - t0 });
    };
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...o.headers,
        },
      },
      (res) => {
        let all = '';
        let tokens = 0;
        res.setEncoding('utf8');
        res.on('data', (t: string) => {
          all += t;
          const n = (t.match(/"finish_reason":null/g) ?? []).length;
          for (let i = 0; i < n; i++) o.onToken?.(++tokens);
        });
        res.on('error', () =>
          finish({ kind: 'lost', status: res.statusCode ?? 0, tokens, headers: res.headers }),
        );
        res.on('close', () => {
          const status = res.statusCode ?? 0;
          const base = { status, headers: res.headers };
          if (!res.complete) return finish({ kind: 'lost', tokens, ...base });
          try {
            if (status === 200 && String(res.headers['content-type']).includes('event-stream'))
              return finish({ ...classifyStream(all), ...base });
            const json = JSON.parse(all) as ErrorJson & { choices?: unknown[] };
            if (status === 200 && Array.isArray(json.choices))
              return finish({ kind: 'completed', tokens, ...base });
            if (status >= 400 && json.error !== undefined)
              return finish({
                kind: 'failed',
                code: json.error.code ?? '?',
                message: json.error.message ?? '',
                tokens,
                ...base,
              });
          } catch {
            // not an outcome
          }
          finish({ kind: 'lost', tokens, ...base });
        });
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'hung', status: 0, tokens: 0, headers: {} });
      req.destroy();
    }, o.clientTimeoutMs);
    req.on('error', () => finish({ kind: 'lost', status: 0, tokens: 0, headers: {} }));
    req.end(payload);
  });
}
