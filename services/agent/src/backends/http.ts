/**
 * The `http` backend: an agent in front of any OpenAI-compatible engine (vLLM, SGLang,
 * llama.cpp's `llama-server`, `adagen engine serve`) given its URL. Each dispatched request is
 * forwarded streamed; tokens are relayed as they come, the engine's usage and finish reason
 * end the request, and a cancel (or the client going away) aborts the HTTP request, which the
 * engine sees as a disconnect and frees the sequence.
 *
 * The engine's load is known two ways: every request sent there feeds a shadow instance
 * (`http-shadow.ts`) from which the snapshot is built as the simulated agent builds its own; and
 * the engine's `/metrics` (vLLM, SGLang or llama.cpp names, `http-metrics.ts`) are scraped to
 * add the traffic the agent did not send. Gaps between a request's tokens are reported as
 * calibration observations.
 *
 * P/D split, when the engines are set up for it (`kvTransfer`):
 * - `nixl` — vLLM's NixlConnector contract: the prefill leg goes to the prefill agent's engine
 *   non-streamed with `max_tokens: 1` and `kv_transfer_params: {do_remote_decode: true,
 *   do_remote_prefill: false, …}`; the `kv_transfer_params` of its answer travel in the KV
 *   hand-off notice and go verbatim to the decode agent's engine with the decode leg, one request
 *   id (`X-Request-Id`) on both. The decode engine samples the first token itself from the
 *   transferred KV, so the client's tokens all come from the decode leg (each once).
 * - `sglang` — SGLang's: `bootstrap_host`/`bootstrap_port`/`bootstrap_room` sent to both legs at
 *   once (the notice goes out as the prefill leg starts).
 * Split prefill is not offered by these engines.
 */
import { fromTokenGap } from '@adagen/engine';
import type { EngineConfigInput, InstanceSnapshot, LatencyProfile } from '@adagen/engine';
import type { BackendSink, EngineBackend, Job } from '@adagen/fleet';
import { AdagenError, normalizeError } from '@adagen/protocol';
import type {
  AgentDispatch,
  EngineCapabilities,
  EngineTransfer,
  KvHandoffNotice,
} from '@adagen/protocol';
import type { EngineCall } from './http-client.js';
import { engineCall, engineError, pieceOf, sseEvents } from './http-client.js';
import type { MetricsDialect } from './http-metrics.js';
import { engineLoadOf } from './http-metrics.js';
import { Shadow } from './http-shadow.js';

export const KV_TRANSFERS = ['none', 'nixl', 'sglang'] as const;
export type KvTransfer = (typeof KV_TRANSFERS)[number];

export interface HttpBackendOptions {
  readonly instanceId: string;
  /** Base URL of the engine (`http://host:port`, without `/v1`). */
  readonly engineUrl: string;
  /** The model name sent to the engine (default: the request's). */
  readonly engineModel?: string;
  /** The latency profile announced (estimators start from it; the agent calibrates it). */
  readonly profile: LatencyProfile;
  /** The engine's knobs, for the shadow (max_num_seqs, KV blocks, max_model_len…). */
  readonly engine?: EngineConfigInput;
  /** P/D split contract the engines speak. @default 'none' */
  readonly kvTransfer?: KvTransfer;
  /** SGLang: the prefill engine's bootstrap port. @default 8998 */
  readonly bootstrapPort?: number;
  /** Metrics dialect to read, `auto`, or `off` (no scraping). @default 'auto' */
  readonly metrics?: MetricsDialect | 'auto' | 'off';
  /** Fleet ms between two scrapes of `/metrics`. @default 1000 */
  readonly scrapeEveryMs?: number;
  /**
   * The engine reuses cached prompt prefixes (vLLM V1's default, SGLang's radix cache,
   * llama-server's `cache_prompt`). @default true
   */
  readonly prefixCaching?: boolean;
  /** Injected for tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

interface Leg {
  readonly job: Job;
  readonly controller: AbortController;
}

export class HttpBackend implements EngineBackend {
  readonly kind = 'http' as const;
  readonly shadow: Shadow;
  private readonly legs = new Map<string, Leg>();
  private readonly fetch: typeof fetch;
  private readonly base: string;
  private stopScrape: (() => void) | undefined;
  private stopped = false;
  private scrapeWarned = false;
  /** Counters for tests and metrics. */
  readonly counts = { legs: 0, aborted: 0, scrapes: 0, scrapeFailures: 0 };

  constructor(
    private readonly o: HttpBackendOptions,
    private readonly sink: BackendSink,
  ) {
    this.fetch = o.fetch ?? globalThis.fetch;
    this.base = o.engineUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.shadow = new Shadow({
      instanceId: o.instanceId,
      profile: o.profile,
      ...(o.engine === undefined ? {} : { engine: o.engine }),
    });
    if ((o.metrics ?? 'auto') !== 'off') this.scrapeSoon(0);
  }

  get profileName(): string {
    return this.o.profile.name;
  }

  get capabilities(): EngineCapabilities {
    return {
      pdSplit: (this.o.kvTransfer ?? 'none') !== 'none',
      splitPrefill: false,
      stop: true,
      logprobs: false,
      sampling: true,
      maxModelLen: this.shadow.config.maxModelLen,
      prefixCaching: this.o.prefixCaching ?? true,
    };
  }

  start(job: Job, d: AgentDispatch): void {
    if (this.stopped) throw new AdagenError('unavailable', 'the http backend is stopped');
    const transfer = this.o.kvTransfer ?? 'none';
    const r = d.request;
    const shadowOf = (kind: 'full' | 'prefill' | 'decode') => ({
      kind,
      promptTokens: r.promptTokens,
      maxTokens: r.maxTokens,
      predictedOutputTokens: r.predictedOutputTokens,
      arrivalMs: this.sink.nowMs(),
    });
    switch (d.role) {
      case 'full': {
        const call = this.callOf(d.request, { stream: true });
        job.engineKind = 'full';
        this.shadow.add(job.requestId, shadowOf('full'));
        void this.stream(job, call);
        return;
      }
      case 'prefill': {
        if (transfer === 'none' || d.kvPeerInstanceId === undefined)
          throw new AdagenError('bad_request', 'this agent’s engine is not set up for P/D split');
        job.engineKind = 'prefill';
        this.shadow.add(job.requestId, shadowOf('prefill'));
        if (transfer === 'nixl') void this.nixlPrefill(job, d, d.kvPeerInstanceId);
        else void this.sglangPrefill(job, d, d.kvPeerInstanceId);
        return;
      }
      case 'decode':
        if (transfer === 'none')
          throw new AdagenError('bad_request', 'this agent’s engine is not set up for P/D split');
        // Waits for the prefill agent's notice (kvReady).
        job.engineKind = 'decode';
        this.shadow.add(job.requestId, shadowOf('decode'));
        return;
      case 'segment':
        throw new AdagenError('bad_request', 'an OpenAI-compatible engine cannot run a segment');
    }
  }

  kvReady(job: Job, n: Extract<KvHandoffNotice, { type: 'kv_ready' }>): void {
    const t = n.engineTransfer;
    const want = this.o.kvTransfer ?? 'none';
    if (t === undefined || t.dialect !== want) {
      this.shadow.remove(job.requestId);
      this.sink.failed(
        job,
        'bad_request',
        `P/D hand-off from ${n.fromInstanceId} carries ${t === undefined ? 'no engine transfer' : `a ${t.dialect} transfer`}; this agent's engine speaks ${want}`,
      );
      return;
    }
    let call: EngineCall;
    try {
      call = this.callOf(job.request, { stream: true, extra: decodeExtra(t) });
    } catch (error) {
      const e = normalizeError(error);
      this.sink.failed(job, e.code, e.message);
      return;
    }
    void this.stream(job, call);
  }

  cancel(job: Job): void {
    this.shadow.remove(job.requestId);
    const leg = this.legs.get(job.requestId);
    if (leg === undefined || leg.job !== job) return;
    this.legs.delete(job.requestId);
    this.counts.aborted += 1;
    leg.controller.abort();
  }

  snapshot(nowMs: number): InstanceSnapshot {
    const snap = this.shadow.snapshot(nowMs);
    snap.profile = this.profileName;
    return snap;
  }

  stop(): void {
    this.stopped = true;
    this.stopScrape?.();
    for (const leg of this.legs.values()) leg.controller.abort();
    this.legs.clear();
  }

  // ---- legs ----

  private callOf(
    r: AgentDispatch['request'],
    o: { stream: boolean; maxTokens?: number; extra?: Record<string, unknown> },
  ): EngineCall {
    return engineCall(r, {
      ...o,
      ...(this.o.engineModel === undefined ? {} : { model: this.o.engineModel }),
    });
  }

  /** Sends one leg; the job's abort controller is registered until it ends. */
  private async post(job: Job, call: EngineCall): Promise<Response | undefined> {
    const controller = new AbortController();
    this.legs.set(job.requestId, { job, controller });
    this.counts.legs += 1;
    try {
      const res = await this.fetch(`${this.base}${call.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': job.requestId },
        body: JSON.stringify(call.body),
        signal: controller.signal,
      });
      if (!this.live(job)) {
        await res.body?.cancel().catch(() => undefined);
        return undefined;
      }
      if (!res.ok) throw await engineError(res);
      return res;
    } catch (error) {
      this.legFailed(job, error);
      return undefined;
    }
  }

  /** The job is still this agent's and its leg was not aborted. */
  private live(job: Job): boolean {
    return this.sink.job(job.requestId) === job && this.legs.get(job.requestId)?.job === job;
  }

  private legFailed(job: Job, error: unknown): void {
    if (!this.live(job)) return; // cancelled: the abort is ours
    this.legs.delete(job.requestId);
    this.shadow.remove(job.requestId);
    const e =
      error instanceof AdagenError
        ? error
        : new AdagenError(
            'unavailable',
            `engine ${this.base} unreachable: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
          );
    this.sink.failed(job, e.code, e.message);
  }

  /** A streamed leg (a whole request, or a P/D decode leg): tokens relayed from index 0. */
  private async stream(job: Job, call: EngineCall): Promise<void> {
    const res = await this.post(job, call);
    if (res === undefined) return;
    let index = 0;
    let finish: string | undefined;
    let promptTokens: number | undefined;
    let completionTokens: number | undefined;
    try {
      if (res.body === null) throw new AdagenError('instance_failed', 'engine sent no body');
      for await (const event of sseEvents(res.body)) {
        if (!this.live(job)) return;
        const p = pieceOf(event);
        if (p.usage !== undefined) {
          promptTokens = p.usage.promptTokens ?? promptTokens;
          completionTokens = p.usage.completionTokens ?? completionTokens;
        }
        if (p.finishReason !== undefined) finish = p.finishReason;
        if (!p.token) continue;
        const now = this.sink.nowMs();
        const gap = this.shadow.tokens(job.requestId, now);
        if (gap !== undefined) this.sink.iteration(fromTokenGap(gap));
        this.sink.token(job, index, p.text, now);
        index += 1;
        if (this.sink.job(job.requestId) !== job) return this.abortLeg(job); // a stop string
      }
      if (!this.live(job)) return;
      if (finish !== 'stop' && finish !== 'length')
        throw new AdagenError(
          'instance_failed',
          finish === undefined
            ? 'engine closed the stream before the end of the request'
            : `engine ended the request with finish_reason ${JSON.stringify(finish)}`,
        );
      this.legs.delete(job.requestId);
      this.shadow.remove(job.requestId);
      this.sink.finished(job, this.sink.nowMs(), {
        finishReason: finish,
        completionTokens: completionTokens ?? index,
        ...(promptTokens === undefined ? {} : { promptTokens }),
      });
    } catch (error) {
      this.legFailed(job, error);
    }
  }

  private abortLeg(job: Job): void {
    const leg = this.legs.get(job.requestId);
    if (leg?.job === job) {
      this.legs.delete(job.requestId);
      leg.controller.abort();
    }
    this.shadow.remove(job.requestId);
  }

  /** NixlConnector prefill leg: non-streamed, one token, its kv_transfer_params to the peer. */
  private async nixlPrefill(job: Job, d: AgentDispatch, peer: string): Promise<void> {
    let call: EngineCall;
    try {
      call = this.callOf(d.request, {
        stream: false,
        maxTokens: 1,
        extra: {
          kv_transfer_params: {
            do_remote_decode: true,
            do_remote_prefill: false,
            remote_engine_id: null,
            remote_block_ids: null,
            remote_host: null,
            remote_port: null,
          },
        },
      });
    } catch (error) {
      return this.legFailed(job, error);
    }
    const res = await this.post(job, call);
    if (res === undefined) return;
    try {
      const p = pieceOf(await res.json());
      if (!this.live(job)) return;
      const now = this.sink.nowMs();
      this.shadow.tokens(job.requestId, now);
      if (job.outputTokens <= 1) {
        // The plan ends here (the agents' P/D protocol: a one-token request is the prefill's).
        this.legs.delete(job.requestId);
        this.shadow.remove(job.requestId);
        this.sink.token(job, 0, p.text, now);
        this.sink.kv(peer, this.notice(job, peer, now, p.usage?.promptTokens));
        this.sink.finished(job, now, {
          finishReason: p.finishReason === 'stop' ? 'stop' : 'length',
          completionTokens: 1,
          ...(p.usage?.promptTokens === undefined ? {} : { promptTokens: p.usage.promptTokens }),
        });
        return;
      }
      if (p.kvTransferParams === undefined)
        throw new AdagenError(
          'instance_failed',
          'the prefill engine answered without kv_transfer_params (is it started with a NixlConnector kv-transfer config?)',
        );
      this.legs.delete(job.requestId);
      this.shadow.remove(job.requestId);
      this.sink.kv(peer, {
        ...this.notice(job, peer, now, p.usage?.promptTokens),
        engineTransfer: { dialect: 'nixl', params: p.kvTransferParams as EngineTransfer['params'] },
      });
      this.sink.handedOff(job);
    } catch (error) {
      this.legFailed(job, error);
    }
  }

  /** SGLang prefill leg: the bootstrap fields go to the decode agent at once, then the leg. */
  private async sglangPrefill(job: Job, d: AgentDispatch, peer: string): Promise<void> {
    const bootstrap = {
      bootstrap_host: new URL(this.base).hostname,
      bootstrap_port: this.o.bootstrapPort ?? 8998,
      bootstrap_room: roomOf(job.requestId, job.attempt),
    };
    let call: EngineCall;
    try {
      call = this.callOf(d.request, { stream: false, extra: bootstrap });
    } catch (error) {
      return this.legFailed(job, error);
    }
    const now = this.sink.nowMs();
    if (job.outputTokens > 1)
      this.sink.kv(peer, {
        ...this.notice(job, peer, now, undefined),
        engineTransfer: { dialect: 'sglang', params: bootstrap },
      });
    const res = await this.post(job, call);
    if (res === undefined) return;
    try {
      const p = pieceOf(await res.json());
      if (!this.live(job)) return;
      this.legs.delete(job.requestId);
      this.shadow.remove(job.requestId);
      if (job.outputTokens <= 1) {
        const at = this.sink.nowMs();
        this.sink.token(job, 0, p.text, at);
        this.sink.kv(peer, this.notice(job, peer, at, p.usage?.promptTokens));
        this.sink.finished(job, at, { finishReason: 'length', completionTokens: 1 });
        return;
      }
      this.sink.handedOff(job);
    } catch (error) {
      this.legFailed(job, error);
    }
  }

  private notice(
    job: Job,
    peer: string,
    atMs: number,
    enginePromptTokens: number | undefined,
  ): Extract<KvHandoffNotice, { type: 'kv_ready' }> {
    const prompt = Math.max(1, enginePromptTokens ?? job.request.promptTokens);
    const n: Extract<KvHandoffNotice, { type: 'kv_ready' }> = {
      v: 1,
      type: 'kv_ready',
      requestId: job.requestId,
      attempt: job.attempt,
      fromInstanceId: this.o.instanceId,
      toInstanceId: peer,
      range: { startToken: 0, endToken: Math.max(1, job.request.promptTokens) },
      kvBlocks: Math.ceil(prompt / this.shadow.config.blockSize),
      atMs,
    };
    if (job.firstTokenAtMs !== undefined) n.firstTokenAtMs = job.firstTokenAtMs;
    return n;
  }

  // ---- metrics ----

  private scrapeSoon(delayMs: number): void {
    if (this.stopped) return;
    this.stopScrape = this.sink.setTimer(delayMs, () => {
      void this.scrape().finally(() => this.scrapeSoon(this.o.scrapeEveryMs ?? 1000));
    });
  }

  private async scrape(): Promise<void> {
    const dialect = this.o.metrics ?? 'auto';
    if (dialect === 'off') return;
    this.counts.scrapes += 1;
    try {
      const res = await this.fetch(`${this.base}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const load = engineLoadOf(await res.text(), dialect);
      if (load === undefined) throw new Error(`no ${dialect} load gauges in /metrics`);
      this.shadow.observeLoad(load);
      this.scrapeWarned = false;
    } catch (error) {
      this.counts.scrapeFailures += 1;
      this.shadow.observeLoad(undefined);
      if (!this.scrapeWarned)
        this.sink.warn(
          { engineUrl: this.base, error: error instanceof Error ? error.message : String(error) },
          'engine metrics not read: the snapshot counts only this agent’s requests',
        );
      this.scrapeWarned = true;
    }
  }
}

/** The decode leg's engine fields from the prefill agent's transfer. */
function decodeExtra(t: EngineTransfer): Record<string, unknown> {
  switch (t.dialect) {
    case 'nixl':
      return { kv_transfer_params: t.params };
    case 'sglang':
      return { ...t.params };
  }
}

/** SGLang's bootstrap room: a 62-bit integer from the request id and attempt (same on both legs). */
export function roomOf(requestId: string, attempt: number): number {
  let h = 0x811c9dc5;
  let g = 0x01000193;
  for (const ch of `${requestId}#${attempt}`) {
    h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    g = Math.imul(g ^ ch.charCodeAt(0), 0x5bd1e995) >>> 0;
  }
  // Below 2^53 so JSON carries it exactly.
  return (g & 0x1fffff) * 0x1_0000_0000 + h;
}
