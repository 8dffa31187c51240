/** Raw HTTP for hostile-input tests: any bytes as the body, sockets held open on purpose. */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** POSTs `body` as is; rejects when no complete response comes within `timeoutMs` (a hang). */
export function postRaw(
  url: string,
  body: Buffer | string,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> = { 'content-type': 'application/json' },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', (e) => (clearTimeout(timer), reject(e)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no response within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => (clearTimeout(timer), reject(e)));
    req.end(body);
  });
}

/** Opens a TCP connection to `url`'s host and port. */
export function openSocket(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves with the ms until the server closes `socket` (or rejects after `timeoutMs`). */
export function closedWithin(
  socket: Socket,
  timeoutMs: number,
): Promise<{ ms: number; data: string }> {
  const t0 = performance.now();
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`socket still open after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, data });
    });
  });
}

/** Runs `tasks` with at most `limit` at once. */
export async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}
