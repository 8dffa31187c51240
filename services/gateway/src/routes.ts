/**
 * The gateway's HTTP surface, as vLLM's OpenAI server answers it where AdaGen does not
 * deliberately differ: `POST /v1/completions` and `/v1/chat/completions`, `GET /v1/models` and
 * `/v1/models/{id}` (with `max_model_len`), `GET /health`; a known route with the wrong method
 * gets 405 with `Allow`; CORS (preflight and response headers) for the configured origins.
 * (`/metrics`, `/healthz` and `/readyz` are the ops server's.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { modelCard, modelsList } from '@adagen/fleet';
import type { OpenAiEndpoint } from '@adagen/fleet';
import { AdagenError, normalizeError } from '@adagen/protocol';
import type { HttpRoute } from '@adagen/runtime';

export interface RouteDeps {
  readonly models: readonly string[];
  readonly createdS: number;
  readonly corsOrigins: readonly string[];
  /** The context every ready instance offers, when known. */
  readonly maxModelLen: () => number | undefined;
  readonly ready: () => boolean;
  /** Throws `unauthorized` without a valid key. */
  readonly authenticate: (req: IncomingMessage) => void;
  readonly infer: (endpoint: OpenAiEndpoint, req: IncomingMessage, res: ServerResponse) => void;
  readonly fail: (res: ServerResponse, error: AdagenError, param?: string | null) => void;
}

const INFERENCE: Readonly<Record<string, OpenAiEndpoint>> = {
  '/v1/completions': 'completions',
  '/v1/chat/completions': 'chat',
};

/** Methods each fixed route answers (for 405 and CORS preflight). */
function allowedMethods(path: string): string | undefined {
  if (INFERENCE[path] !== undefined) return 'POST, OPTIONS';
  if (path === '/v1/models' || path.startsWith('/v1/models/') || path === '/health')
    return 'GET, OPTIONS';
  return undefined;
}

/** Sets CORS headers when the request's origin is allowed. Returns whether it is. */
function cors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origins.length === 0) return false;
  const any = origins.includes('*');
  if (!any && !origins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', any ? '*' : origin);
  if (!any) res.setHeader('vary', 'Origin');
  res.setHeader(
    'access-control-expose-headers',
    'x-request-id, x-adagen-plan, x-adagen-attempt, retry-after',
  );
  return true;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function gatewayRoute(d: RouteDeps): HttpRoute {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const allow = allowedMethods(path);
    if (allow === undefined) {
      if (!path.startsWith('/v1/')) return false;
      req.resume();
      d.fail(res, new AdagenError('not_found', `${req.method ?? '?'} ${path}: no such route`));
      return true;
    }
    const corsOk = cors(req, res, d.corsOrigins);
    if (req.method === 'OPTIONS') {
      req.resume();
      if (corsOk) {
        res.setHeader('access-control-allow-methods', allow);
        res.setHeader(
          'access-control-allow-headers',
          req.headers['access-control-request-headers'] ??
            'authorization, content-type, x-slo-ttft-ms, x-slo-tpot-ms, x-priority',
        );
        res.setHeader('access-control-max-age', '600');
      }
      res.writeHead(204, { allow });
      res.end();
      return true;
    }
    const method = req.method ?? '?';
    if (!allow.split(', ').includes(method)) {
      req.resume();
      res.setHeader('allow', allow);
      d.fail(
        res,
        new AdagenError(
          'method_not_allowed',
          `${method} ${path}: allowed: ${allow.replace(', OPTIONS', '')}`,
        ),
      );
      return true;
    }
    const endpoint = INFERENCE[path];
    if (endpoint !== undefined) {
      d.infer(endpoint, req, res);
      return true;
    }
    if (path === '/health') {
      const ok = d.ready();
      res.writeHead(ok ? 200 : 503);
      res.end();
      return true;
    }
    try {
      d.authenticate(req);
    } catch (error) {
      d.fail(res, normalizeError(error));
      return true;
    }
    if (path === '/v1/models') {
      json(res, 200, modelsList(d.models, d.createdS, d.maxModelLen()));
      return true;
    }
    let id = path.slice('/v1/models/'.length);
    try {
      id = decodeURIComponent(id);
    } catch {
      // a malformed %-escape: looked up as written (and not found)
    }
    if (!d.models.includes(id)) {
      d.fail(
        res,
        new AdagenError('model_not_found', `The model \`${id}\` does not exist.`),
        'model',
      );
      return true;
    }
    json(res, 200, modelCard(id, d.createdS, d.maxModelLen()));
    return true;
  };
}
