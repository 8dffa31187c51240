/**
 * One request held by the gateway, from receipt to its one outcome, across its placement
 * attempts.
 *
 * Only the current attempt counts. Once the gateway decides to place a request again, the attempt
 * it gave up on is dead at once: its acceptance, tokens and outcome are dropped (and counted),
 * even while the retry waits for its backoff, so a late acceptance can never stream next to the
 * retry. Within the current attempt, chunks reach the client in `seq` order exactly once
 * (repeats dropped, early ones held); the `done` outcome is acted on only once every chunk it
 * counts was delivered. A gap that does not fill within `gapTimeoutMs` ends the attempt with an
 * error — placed again when nothing reached the client, else one SSE error event: never a
 * truncated 200.
 *
 * Before an attempt is accepted its messages are held; once accepted, a streaming response
 * sends SSE chunks and a whole response collects the text. An attempt that fails in a retryable
 * way is placed again while nothing was sent to the client and attempts and time remain;
 * otherwise the client gets one clear error. The agent's `done` or `error`, the deadline or the
 * client going away ends the request, exactly once.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayRequest, ResponseMeta } from '@adagen/fleet';
import {
  SSE_DONE,
  completionResponse,
  errorBody,
  sseData,
  streamChunk,
  textEventWriter,
} from '@adagen/fleet';
import { usageChunk } from '@adagen/fleet';
import { AdagenError, planInstanceIds } from '@adagen/protocol';
import type { OutcomeDone, PlanResult, StreamMessage, TokenChunk } from '@adagen/protocol';
import type { Logger } from '@adagen/runtime';
import { sendError } from './http.js';
import type { GatewayMetrics } from './metrics.js';
import { ChunkSequencer } from './sequencer.js';
import { SseOut } from './sse-out.js';

export type FlightEnd = 'ok' | AdagenError['code'] | 'client_closed';

/** Retryable for the client, but not by the gateway: shedding must stay immediate. */
const SHED_CODES: ReadonlySet<AdagenError['code']> = new Set(['overloaded', 'rate_limited']);

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
  /** Wall ms a missing chunk may be waited for before the attempt fails. */
  readonly gapTimeoutMs: number;
  /** OpenAI's `param` of an error from the decision chain or an agent, if it names a field. */
  readonly paramOf?: (error: AdagenError) => string | null;
  /** Streamed bytes a client that does not read may leave waiting before it is dropped. */
  readonly maxBufferedBytes?: number;
  /** Whether another attempt may start now (attempts and time left). */
  readonly mayRetry: (attempt: number) => boolean;
  /** Called once, when the request has its outcome. */
  readonly onEnd: (end: FlightEnd) => void;
}

/** How the current attempt ended without ending the request: place it again. */
export type AttemptSettled = { readonly retry: AdagenError } | { readonly ended: true };

export class Flight {
  private ended = false;
  private attemptNo = -1;
  /** The current attempt is still wanted (false once the gateway gave up on it). */
  private live = false;
  private accepted = false;
  /** The attempt may hold work on agents (placement pending or accepted). */
  private holding = false;
  private readonly instances = new Set<string>();
  /** The accepted plan's instances: the only agents whose stream messages count. */
  private planned: ReadonlySet<string> | undefined;
  private early: StreamMessage[] = [];
  private settle: ((s: AttemptSettled) => void) | undefined;
  private headersWritten = false;
  /** Generated text reached the client: the request can no longer be placed again. */
  private tokenSent = false;
  private readonly order = new ChunkSequencer((c) => this.deliver(c));
  /** A text chunk's SSE event (the response's constant part serialised once). */
  private textEvent: ((text: string) => string) | undefined;
  private outcome: OutcomeDone | undefined;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private gapSinceWallMs = 0;
  private text = '';
  private firstTokenWallMs: number | undefined;
  private lastTokenWallMs: number | undefined;
  private headers: Record<string, string> = {};
  private readonly out: SseOut;

  constructor(private readonly o: FlightOptions) {
    o.res.on('close', () => {
      if (!this.ended) this.end('client_closed');
    });
    this.out = new SseOut(o.res, o.maxBufferedBytes ?? 4 * 1024 * 1024, () => this.slowClient());
  }

  get done(): boolean {
    return this.ended;
  }

  /** The last attempt started (cancels cover it and every earlier one). */
  get attempt(): number {
    return this.attemptNo;
  }

  /** The current attempt may hold work on agents (a cancel is worth sending). */
  get mayHoldWork(): boolean {
    return this.holding || this.accepted;
  }

  /** Instances the current attempt is known to run on. */
  get instanceIds(): ReadonlySet<string> {
    return this.instances;
  }

  /** Starts attempt `n`; resolves when it must be retried or the request ended. */
  startAttempt(n: number): Promise<AttemptSettled> {
    this.attemptNo = n;
    this.live = true;
    this.accepted = false;
    this.holding = true;
    this.instances.clear();
    this.planned = undefined;
    this.early = [];
    this.order.reset();
    this.outcome = undefined;
    this.clearGap();
    this.text = '';
    this.firstTokenWallMs = undefined;
    this.lastTokenWallMs = undefined;
    return new Promise((resolve) => {
      if (this.ended) resolve({ ended: true });
      else this.settle = resolve;
    });
  }

  /** The decision chain answered attempt `n` with a plan every agent accepted. */
  accept(n: number, result: PlanResult): void {
    if (this.ended) return;
    if (!this.current(n)) return this.stale('accept');
    if (this.accepted) return;
    this.planned = new Set(planInstanceIds(result.plan));
    for (const id of this.planned) this.instances.add(id);
    this.headers = { 'x-request-id': this.o.requestId, 'x-adagen-plan': result.plan.kind };
    if (n > 0) this.headers['x-adagen-attempt'] = String(n);
    if (result.acceptedAtMs !== undefined) {
      const controlMs = Math.max(0, result.acceptedAtMs - this.o.receivedWallMs);
      this.headers['x-adagen-dispatch-ms'] = controlMs.toFixed(3);
      this.o.metrics.controlPlane.observe(controlMs / 1000);
    }
    this.markAccepted();
  }

  /**
   * Attempt `n` failed before or after acceptance. Once tokens of the attempt flow, a failure of
   * the decision chain's reply (a replica died after dispatch) only means the reply was lost.
   */
  attemptFailed(n: number, error: AdagenError, fromChain = false): void {
    if (this.ended || !this.current(n)) return;
    if (fromChain) {
      this.holding = error.code === 'deadline_exceeded' || error.code === 'unavailable';
      if (this.early.length > 0) {
        this.headers = { 'x-request-id': this.o.requestId };
        return this.markAccepted(); // tokens are here: the plan runs, its reply was lost
      }
    }
    if (
      error.retryable &&
      !SHED_CODES.has(error.code) &&
      !this.tokenSent &&
      this.o.mayRetry(n + 1)
    ) {
      this.o.metrics.retries.inc({ reason: error.code });
      this.o.logger.info({ attempt: n, code: error.code, err: error.message }, 'placing again');
      // Given up on from now: nothing of this attempt may reach the client any more.
      this.live = false;
      this.clearGap();
      const settle = this.settle;
      this.settle = undefined;
      settle?.({ retry: error });
      return;
    }
    this.fail(error);
  }

  /** An agent the current attempt runs on is gone (announced down, or no longer on NATS). */
  instanceLost(instanceId: string, why: string): void {
    if (this.ended || !this.live || !this.instances.has(instanceId)) return;
    const sent = this.tokenSent ? ` after ${this.order.next} chunks were sent` : '';
    this.attemptFailed(
      this.attemptNo,
      new AdagenError('instance_failed', `instance ${instanceId} ${why}${sent}`),
    );
  }

  /**
   * The gateway's NATS connection dropped and came back: messages for this request may have
   * been lost meanwhile. Placed again when nothing was sent to the client; a started stream
   * goes on (a lost chunk ends it through the gap bound, else it ends with its outcome).
   */
  connectionLost(): void {
    if (this.ended || this.tokenSent) return;
    this.attemptFailed(
      this.attemptNo,
      new AdagenError('unavailable', 'the gateway reconnected to NATS; messages may be lost'),
    );
  }

  /**
   * A message on the request's stream, from the agent the subject names (the caller checked that
   * the body names the same one; NATS permissions let an agent publish only under its own id).
   * Once the plan is known, messages from agents outside it are dropped: an agent cannot write
   * into a request it does not run. (When the chain's reply was lost but tokens arrived, the
   * plan is unknown and the senders are taken as they come.)
   */
  message(m: StreamMessage): void {
    if (this.ended) return;
    if (!this.current(m.attempt)) return this.stale(m.type);
    if (this.planned !== undefined && !this.planned.has(m.instanceId)) {
      this.o.metrics.foreignStream.inc({ reason: 'not_in_plan' });
      this.o.logger.warn(
        { instanceId: m.instanceId, type: m.type },
        'stream message from an agent outside the plan dropped',
      );
      return;
    }
    this.instances.add(m.instanceId);
    if (m.type === 'error') {
      const error = new AdagenError(m.code, m.message, { retryable: m.retryable });
      return this.attemptFailed(m.attempt, error);
    }
    if (!this.accepted) {
      this.early.push(m);
      return;
    }
    if (m.type === 'token') {
      if (this.order.push(m) === 'duplicate')
        this.o.metrics.foreignStream.inc({ reason: 'duplicate_chunk' });
    } else this.outcome ??= m;
    this.settleOrder();
  }

  /** Ends the request with an error (before or after it was accepted). */
  fail(error: AdagenError, param: string | null = this.o.paramOf?.(error) ?? null): void {
    if (this.ended) return;
    const res = this.o.res;
    if (res.headersSent) {
      this.write(sseData(errorBody(error, param)));
      this.write(SSE_DONE);
      this.out.end();
    } else {
      sendError(res, error, param, this.o.retryAfterS);
    }
    this.o.logger.info({ code: error.code, err: error.message }, 'request failed');
    this.end(error.code);
  }

  /** Whether `n` is the attempt the gateway still wants. */
  private current(n: number): boolean {
    return this.live && n === this.attemptNo;
  }

  private stale(what: string): void {
    this.o.metrics.foreignStream.inc({ reason: 'stale_attempt' });
    this.o.logger.debug({ what }, 'message of an attempt given up on dropped');
  }

  private markAccepted(): void {
    this.accepted = true;
    if (this.o.req.stream && !this.headersWritten) {
      this.headersWritten = true;
      this.o.res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        ...this.headers,
      });
      this.o.res.flushHeaders();
      if (this.o.meta.endpoint === 'chat')
        this.write(sseData(streamChunk(this.o.meta, { role: true, text: '' })));
      if (this.o.req.echo !== undefined)
        this.write(sseData(streamChunk(this.o.meta, { text: this.o.req.echo })));
    }
    const early = this.early;
    this.early = [];
    for (const m of early) this.message(m);
  }

  /** Finishes once every chunk the outcome counts is out; else waits, within the gap bound. */
  private settleOrder(): void {
    const outcome = this.outcome;
    if (outcome !== undefined && this.order.complete(outcome.chunks)) {
      this.clearGap();
      return this.finish(outcome);
    }
    const waiting = this.order.waiting > 0 || outcome !== undefined;
    if (!waiting) return this.clearGap();
    if (this.gapTimer !== undefined) return;
    this.gapSinceWallMs = this.o.wallNowMs();
    const attempt = this.attemptNo;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      const missedMs = Math.round(this.o.wallNowMs() - this.gapSinceWallMs);
      this.attemptFailed(
        attempt,
        new AdagenError(
          'unavailable',
          `the stream lost chunk ${this.order.next} (not received within ${missedMs} ms); the response is incomplete`,
        ),
      );
    }, this.o.gapTimeoutMs);
    this.gapTimer.unref();
  }

  private clearGap(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }

  /** One chunk, in order. */
  private deliver(c: TokenChunk): void {
    const now = this.o.wallNowMs();
    if (this.firstTokenWallMs === undefined) {
      this.firstTokenWallMs = now;
      this.o.metrics.ttft.observe((now - this.o.receivedWallMs) / 1000);
    } else if (this.lastTokenWallMs !== undefined) {
      const gapS = (now - this.lastTokenWallMs) / 1000 / c.tokenCount;
      this.o.metrics.itl.observe(gapS, c.tokenCount);
    }
    this.lastTokenWallMs = now;
    if (this.o.req.stream) {
      this.tokenSent = true;
      this.textEvent ??= textEventWriter(this.o.meta);
      this.write(this.textEvent(c.text));
    } else this.text += c.text;
  }

  private finish(m: OutcomeDone): void {
    const usage = {
      promptTokens: m.usage.promptTokens,
      completionTokens: m.usage.completionTokens,
    };
    const n = usage.completionTokens;
    const metrics = this.o.metrics;
    if (this.firstTokenWallMs !== undefined && this.lastTokenWallMs !== undefined && n > 1)
      metrics.tpot.observe((this.lastTokenWallMs - this.firstTokenWallMs) / (n - 1) / 1000);
    metrics.e2e.observe((this.o.wallNowMs() - this.o.receivedWallMs) / 1000);
    metrics.promptTokens.inc(usage.promptTokens);
    metrics.generationTokens.inc(usage.completionTokens);
    const res = this.o.res;
    if (this.o.req.stream) {
      const last = this.o.meta.endpoint === 'chat' ? {} : { text: '' };
      this.write(sseData(streamChunk(this.o.meta, { finishReason: m.finishReason, ...last })));
      if (this.o.req.includeUsage) this.write(sseData(usageChunk(this.o.meta, usage)));
      this.write(SSE_DONE);
      this.out.end();
    } else {
      const text = (this.o.req.echo ?? '') + this.text;
      const body = JSON.stringify(completionResponse(this.o.meta, text, m.finishReason, usage));
      res.writeHead(200, { 'content-type': 'application/json', ...this.headers });
      res.end(body);
    }
    this.end('ok');
  }

  private write(chunk: string): void {
    this.out.write(chunk);
  }

  /** The client stopped reading while its stream kept coming: drop it (its agents are told). */
  private slowClient(): void {
    if (this.ended) return;
    this.o.metrics.slowClients.inc();
    this.o.logger.warn(
      { bufferedBytes: this.o.maxBufferedBytes },
      'client does not read its stream: connection closed',
    );
    this.end('client_closed');
    this.o.res.destroy();
  }

  private end(how: FlightEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.clearGap();
    const settle = this.settle;
    this.settle = undefined;
    settle?.({ ended: true });
    this.o.onEnd(how);
  }
}
