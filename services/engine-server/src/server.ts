/**
 * The engine server's HTTP side: vLLM's OpenAI surface over one `ServedEngine` —
 * `/v1/completions` and `/v1/chat/completions` (streamed or whole), `/v1/models`, `/health`,
 * `/metrics` (vLLM names) — and vLLM's NixlConnector P/D fields, as llm-d's inference simulator
 * offers them: a prefill leg (`kv_transfer_params.do_remote_decode`, `max_tokens: 1`, not
 * streamed) is answered with `kv_transfer_params` naming this engine, its KV blocks, host and
 * port; a decode leg passing them back (`do_remote_prefill`) skips the prefill on the simulated
 * engine (llama.cpp cannot import KV: it recomputes the prompt). A client that goes away
 * cancels its request on the engine.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BadFieldError,
  SSE_DONE,
  completionResponse,
  errorBody,
  modelsList,
  renderChat,
  responseId,
  sseData,
  streamChunk,
  usageChunk,
} from '@adagen/fleet';
import type { GatewayRequest, OpenAiEndpoint, ResponseMeta, Usage } from '@adagen/fleet';
import type { GenerationEvent } from '@adagen/llama';
import { AdagenError, normalizeError } from '@adagen/protocol';
import type { ServedEngine } from './engine.js';
import { vllmMetrics } from './metrics.js';
import type { EngineRequest, KvTransferParams } from './request.js';
import { REQUEST_ID_PATTERN, generationOf, parseEngineRequest } from './request.js';

/** What the server saw of one request (`--record`): for tests and for checking a router. */
export interface RequestRecord {
  readonly atMs: number;
  readonly path: string;
  readonly requestId: string;
  readonly stream: boolean;
  readonly maxTokens: number | null;
  readonly kvTransferParams: KvTransferParams | null;
}

export interface EngineServerOptions {
  readonly engine: ServedEngine;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0: a free port. @default 8000 */
  readonly port?: number;
  /** The model name served; requests naming another are refused (404). Absent: any name. */
  readonly servedModelName?: string;
  /** This engine's id in kv_transfer_params (`remote_engine_id`). @default a random UUID */
  readonly engineId?: string;
  /** The host put in kv_transfer_params (`remote_host`). @default host */
  readonly advertisedHost?: string;
  /** Called for every completion request received (after parsing). */
  readonly record?: (r: RequestRecord) => void;
  /** @default 4 MiB */
  readonly maxBodyBytes?: number;
}

export interface EngineServer {
  readonly url: string;
  readonly port: number;
  readonly engineId: string;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, OpenAiEndpoint>> = {
  '/v1/completions': 'completions',
  '/v1/chat/completions': 'chat',
};

export async function startEngineServer(o: EngineServerOptions): Promise<EngineServer> {
  const host = o.host ?? '127.0.0.1';
  const engineId = o.engineId ?? randomUUID();
  const createdS = Math.floor(Date.now() / 1000);
  const modelName = o.servedModelName ?? 'adagen-engine';
  let port = 0;
  let blockCounter = 0;
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, normalizeError(error));
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') return void res.writeHead(200).end();
    if (path === '/metrics') {
      if (req.method !== 'GET') return sendError(res, notAllowed(req, 'GET'));
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return void res.end(vllmMetrics(modelName, o.engine.counters()));
    }
    if (path === '/v1/models') {
      if (req.method !== 'GET') return sendError(res, notAllowed(req, 'GET'));
      return sendJson(res, 200, modelsList([modelName], createdS, o.engine.maxContextTokens));
    }
    const endpoint = ROUTES[path];
    if (endpoint === undefined)
      return sendError(res, new AdagenError('not_found', `no route ${path}`));
    if (req.method !== 'POST') return sendError(res, notAllowed(req, 'POST'));
    const body = await readJson(req, o.maxBodyBytes ?? 4 * 1024 * 1024);
    const parsed = parseEngineRequest(endpoint, body);
    const r = parsed.request;
    if (o.servedModelName !== undefined && r.model !== o.servedModelName)
      throw new AdagenError(
        'model_not_found',
        `The model \`${r.model}\` does not exist (this engine serves ${o.servedModelName}).`,
      );
    const given = req.headers['x-request-id'];
    const headerId = Array.isArray(given) ? given[0] : given;
    if (headerId !== undefined && !REQUEST_ID_PATTERN.test(headerId))
      throw new BadFieldError('x-request-id', 'expected 1-200 characters of A-Z a-z 0-9 . _ : -');
    const requestId = headerId ?? randomUUID();
    o.record?.({
      atMs: Date.now(),
      path,
      requestId,
      stream: r.stream,
      maxTokens: r.maxTokens ?? null,
      kvTransferParams: parsed.kvTransferParams ?? null,
    });
    const promptTokens =
      r.promptTokenIds?.length ??
      o.engine.countTokens(r.messages !== undefined ? renderChat(r.messages) : (r.prompt ?? ' '));
    const gen = generationOf(requestId, r, {
      backend: o.engine.backend,
      maxContextTokens: o.engine.maxContextTokens,
      promptTokens,
    });
    const meta: ResponseMeta = {
      id: responseId(endpoint, requestId),
      endpoint,
      model: r.model,
      created: Math.floor(Date.now() / 1000),
    };
    await run(res, parsed, gen, meta, () => {
      const blocks = Math.max(1, Math.ceil(promptTokens / 16));
      const ids = Array.from({ length: blocks }, () => blockCounter++);
      return {
        do_remote_prefill: true,
        do_remote_decode: false,
        remote_engine_id: engineId,
        remote_block_ids: ids,
        remote_host: o.advertisedHost ?? host,
        remote_port: port,
        remote_request_id: requestId,
        tp_size: 1,
      };
    });
  }

  /** Runs one request on the engine and answers it, streamed or whole. */
  function run(
    res: ServerResponse,
    parsed: EngineRequest,
    gen: ReturnType<typeof generationOf>,
    meta: ResponseMeta,
    transferParams: () => Record<string, unknown>,
  ): Promise<void> {
    const r: GatewayRequest = parsed.request;
    const id = gen.requestId;
    return new Promise<void>((resolveRun) => {
      let ended = false;
      let text = '';
      let sentRole = false;
      res.on('close', () => {
        // The client went away before the answer ended: free the sequence.
        if (!ended) o.engine.cancel(id);
        ended = true;
        resolveRun();
      });
      const startStream = () => {
        if (res.headersSent) return;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
      };
      const finish = (f: () => void) => {
        if (ended) return;
        ended = true;
        f();
        resolveRun();
      };
      const sink = (e: GenerationEvent) => {
        if (ended) return;
        switch (e.type) {
          case 'first-token':
            return;
          case 'chunk': {
            if (!r.stream) {
              text += e.text;
              return;
            }
            startStream();
            if (meta.endpoint === 'chat' && !sentRole) {
              sentRole = true;
              res.write(sseData(streamChunk(meta, { role: true, text: '' })));
            }
            // One event per token, as vLLM streams (a token held back shows as '').
            for (let k = 0; k < Math.max(1, e.tokens); k++)
              res.write(sseData(streamChunk(meta, { text: k === 0 ? e.text : '' })));
            return;
          }
          case 'done': {
            const reason = e.finishReason;
            if (reason === 'cancelled') return finish(() => res.end());
            const usage: Usage = {
              promptTokens: e.usage.promptTokens,
              completionTokens: e.usage.completionTokens,
            };
            if (!r.stream)
              return finish(() =>
                sendJson(res, 200, {
                  ...completionResponse(meta, text, reason, usage),
                  kv_transfer_params: parsed.leg.kind === 'prefill' ? transferParams() : null,
                }),
              );
            return finish(() => {
              startStream();
              res.write(sseData(streamChunk(meta, { finishReason: reason })));
              if (r.includeUsage) res.write(sseData(usageChunk(meta, usage)));
              res.end(SSE_DONE);
            });
          }
          case 'error':
            return finish(() => {
              const err = new AdagenError(e.code, e.message);
              if (!res.headersSent) return sendError(res, err);
              res.write(sseData(errorBody(err)));
              res.end(SSE_DONE);
            });
        }
      };
      o.engine.submit(gen, sink, { remotePrefill: parsed.leg.kind === 'decode' });
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8000, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    engineId,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await o.engine.close();
    },
  };
}

function notAllowed(req: IncomingMessage, allowed: string): AdagenError {
  return new AdagenError('method_not_allowed', `${req.method ?? '?'} not allowed; use ${allowed}`);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: AdagenError): void {
  sendJson(
    res,
    error.httpStatus,
    errorBody(error, error instanceof BadFieldError ? error.param : null),
  );
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes)
      throw new AdagenError('payload_too_large', `body: expected at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AdagenError('bad_request', 'body: expected JSON');
  }
}
