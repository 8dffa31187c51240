import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** Extra routes a service mounts next to the built-in ones. Return false to fall through to 404. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** Why a client was turned away before its request reached a route. */
export type HttpRejectReason = 'max_connections' | 'timeout' | 'bad_http';

/** Protection against slow, malformed or too many clients (the public API server sets these). */
export interface HttpLimits {
  /** The client must send its headers within this. @default 60000 (Node's) */
  readonly headersTimeoutMs?: number;
  /** …and its whole request within this. @default 300000 (Node's) */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive sockets close after this. @default 5000 (Node's) */
  readonly keepAliveTimeoutMs?: number;
  /** Sockets at once; beyond, new ones are dropped. @default unlimited */
  readonly maxConnections?: number;
  /** Called for each client turned away (for a counter). */
  readonly onReject?: (reason: HttpRejectReason) => void;
}

export interface OpsServerOptions {
  readonly registry: Registry;
  /** `/readyz` answers 200 while this returns true (typically: lifecycle state is `ready`). */
  readonly isReady: () => boolean;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly routes?: readonly HttpRoute[];
  readonly logger?: Logger;
  readonly limits?: HttpLimits;
}

export interface OpsServer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * A tiny HTTP server for operations: `/metrics` (Prometheus text), `/healthz` (the process is up)
 * and `/readyz` (the service accepts work). Port 0 picks a free port.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, isReady, routes = [], logger } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      send(res, 200, registry.contentType, await registry.metrics());
    } else if (req.method === 'GET' && path === '/healthz') {
      send(res, 200, 'text/plain', 'ok\n');
    } else if (req.method === 'GET' && path === '/readyz') {
      const ready = isReady();
      send(res, ready ? 200 : 503, 'text/plain', ready ? 'ready\n' : 'not ready\n');
    } else {
      for (const route of routes) if (await route(req, res)) return;
      send(res, 404, 'text/plain', 'not found\n');
    }
  };
  const limits = options.limits ?? {};
  const headersTimeout = limits.headersTimeoutMs ?? 60_000;
  const requestTimeout = Math.max(limits.requestTimeoutMs ?? 300_000, headersTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeoutMs ?? 5000,
      // How often Node checks those timeouts (its default, 30 s, would let a slow client linger).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, headersTimeout / 4)),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        logger?.error({ err: error, url: req.url }, 'ops http handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
        else res.destroy();
      });
    },
  );
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  server.on('drop', () => limits.onReject?.('max_connections'));
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    limits.onReject?.(timeout ? 'timeout' : 'bad_http');
    // As Node's default handler: answer only when no response has started on this socket.
    const pending = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && pending?.headersSent !== true)
      socket.end(
        timeout
          ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
          : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  logger?.info({ port, host: address }, 'ops http server listening');
  return { port, url: `http://${host}:${port}`, close, [Symbol.asyncDispose]: close };
}
