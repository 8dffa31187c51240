/**
 * One request held by the gateway, from receipt to its one outcome: tokens that arrive before
 * the plan is accepted are buffered; once accepted, a streaming response sends SSE chunks and a
 * whole response collects the text; the agent's `done` or `error`, the deadline, or the client
 * going away ends it, exactly once.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayRequest, ResponseMeta } from '@adagen/fleet';
import {
  SSE_DONE,
  completionResponse,
  errorBody,
  sseData,
  streamChunk,
  usageChunk,
} from '@adagen/fleet';
import { AdagenError } from '@adagen/protocol';
import type { OutcomeDone, PlanResult, StreamMessage } from '@adagen/protocol';
import type { Logger } from '@adagen/runtime';
import { sendError } from './http.js';
import type { GatewayMetrics } from './metrics.js';

export type FlightEnd = 'ok' | AdagenError['code'] | 'client_closed';

export interface FlightOptions {
  readonly requestId: string;
  readonly req: GatewayRequest;
  readonly meta: ResponseMeta;
  readonly res: ServerResponse;
  readonly receivedWallMs: number;
  readonly wallNowMs: () => number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly retryAfterS: number;
  /** Called once, when the request has its outcome. */
  readonly onEnd: (end: FlightEnd) => void;
}

export class Flight {
  private accepted = false;
  private ended = false;
  private readonly early: StreamMessage[] = [];
  private nextSeq = 0;
  private text = '';
  private firstTokenWallMs: number | undefined;
  private lastTokenWallMs: number | undefined;
  private headers: Record<string, string> = {};

  constructor(private readonly o: FlightOptions) {
    o.res.on('close', () => {
      if (!this.ended) this.end('client_closed');
    });
  }

  get done(): boolean {
    return this.ended;
  }

  /** Every agent of the plan took the request. */
  accept(result: PlanResult): void {
    if (this.ended || this.accepted) return;
    this.accepted = true;
    this.headers = { 'x-request-id': this.o.requestId, 'x-adagen-plan': result.plan.kind };
    if (result.acceptedAtMs !== undefined) {
      const controlMs = Math.max(0, result.acceptedAtMs - this.o.receivedWallMs);
      this.headers['x-adagen-dispatch-ms'] = controlMs.toFixed(3);
      this.o.metrics.controlPlane.observe(controlMs / 1000);
    }
    if (this.o.req.stream) {
      this.o.res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        ...this.headers,
      });
      this.o.res.flushHeaders();
      if (this.o.meta.endpoint === 'chat')
        this.write(sseData(streamChunk(this.o.meta, { role: true, text: '' })));
    }
    for (const m of this.early.splice(0)) this.message(m);
  }

  /** A message on the request's stream subject. */
  message(m: StreamMessage): void {
    if (this.ended) return;
    if (!this.accepted) {
      this.early.push(m);
      return;
    }
    switch (m.type) {
      case 'token':
        return this.token(m.seq, m.text);
      case 'done':
        return this.finish(m);
      case 'error':
        return this.fail(new AdagenError(m.code, m.message, { retryable: m.retryable }));
    }
  }

  /** Ends the request with an error (before or after it was accepted). */
  fail(error: AdagenError, param: string | null = null): void {
    if (this.ended) return;
    const res = this.o.res;
    if (res.headersSent) {
      this.write(sseData(errorBody(error, param)));
      this.write(SSE_DONE);
      res.end();
    } else {
      sendError(res, error, param, this.o.retryAfterS);
    }
    this.o.logger.info({ code: error.code, err: error.message }, 'request failed');
    this.end(error.code);
  }

  private token(seq: number, text: string): void {
    if (seq < this.nextSeq) return; // a repeat
    this.nextSeq = seq + 1;
    const now = this.o.wallNowMs();
    if (this.firstTokenWallMs === undefined) {
      this.firstTokenWallMs = now;
      this.o.metrics.ttft.observe((now - this.o.receivedWallMs) / 1000);
    }
    this.lastTokenWallMs = now;
    if (this.o.req.stream) this.write(sseData(streamChunk(this.o.meta, { text })));
    else this.text += text;
  }

  private finish(m: OutcomeDone): void {
    const usage = {
      promptTokens: m.usage.promptTokens,
      completionTokens: m.usage.completionTokens,
    };
    const n = usage.completionTokens;
    if (this.firstTokenWallMs !== undefined && this.lastTokenWallMs !== undefined && n > 1)
      this.o.metrics.tpot.observe((this.lastTokenWallMs - this.firstTokenWallMs) / (n - 1) / 1000);
    this.o.metrics.e2e.observe((this.o.wallNowMs() - this.o.receivedWallMs) / 1000);
    const res = this.o.res;
    if (this.o.req.stream) {
      this.write(
        sseData(
          streamChunk(this.o.meta, {
            finishReason: m.finishReason,
            ...(this.o.meta.endpoint === 'chat' ? {} : { text: '' }),
          }),
        ),
      );
      if (this.o.req.includeUsage) this.write(sseData(usageChunk(this.o.meta, usage)));
      this.write(SSE_DONE);
      res.end();
    } else {
      const body = JSON.stringify(
        completionResponse(this.o.meta, this.text, m.finishReason, usage),
      );
      res.writeHead(200, { 'content-type': 'application/json', ...this.headers });
      res.end(body);
    }
    this.end('ok');
  }

  private write(chunk: string): void {
    if (!this.o.res.writableEnded) this.o.res.write(chunk);
  }

  private end(how: FlightEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.o.onEnd(how);
  }
}
