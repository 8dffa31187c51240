/**
 * The dashboard's HTTP routes: the page and its script (`static/`), the charting library
 * (uPlot, from its npm package: no CDN), `/events` (Server-Sent Events: a `hello` with the
 * history, then a `frame` per push) and `/api/frame` (the latest frame as JSON).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '@adagen/runtime';

const require = createRequire(import.meta.url);

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function load(path: string, type: string): Asset {
  return { type, body: readFileSync(path) };
}

/** The page, its script and styles, and the vendored uPlot — read once at start. */
export function assets(): ReadonlyMap<string, Asset> {
  const dir = new URL('../static/', import.meta.url);
  const file = (name: string) => new URL(name, dir);
  return new Map([
    ['/', load(file('index.html').pathname, 'text/html; charset=utf-8')],
    ['/app.js', load(file('app.js').pathname, 'text/javascript; charset=utf-8')],
    ['/app.css', load(file('app.css').pathname, 'text/css; charset=utf-8')],
    [
      '/vendor/uPlot.iife.min.js',
      load(require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'),
    ],
    ['/vendor/uPlot.min.css', load(require.resolve('uplot/dist/uPlot.min.css'), 'text/css')],
  ]);
}

export function staticRoute(files: ReadonlyMap<string, Asset>): HttpRoute {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const asset = files.get(path === '/index.html' ? '/' : path);
    if (asset === undefined || req.method !== 'GET') return false;
    res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
    res.end(asset.body);
    return true;
  };
}

/** The browsers listening on `/events`. */
export class EventClients {
  private readonly clients = new Set<ServerResponse>();

  get size(): number {
    return this.clients.size;
  }

  route(hello: () => unknown): HttpRoute {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/events') return false;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(hello())}\n\n`);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return true;
    };
  }

  /** Sends one event to every browser; a browser that cannot keep up is dropped. */
  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of this.clients) {
      if (res.writableLength > 8 * 1024 * 1024) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(text);
    }
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

export function jsonRoute(path: string, body: () => unknown): HttpRoute {
  return (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== path) return false;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body()));
    return true;
  };
}
