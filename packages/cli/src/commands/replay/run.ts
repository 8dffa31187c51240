/**
 * Drives an OpenAI-compatible endpoint with a workload: each request is sent at its arrival
 * time (relative to the start), streamed, and its tokens timed on arrival; the per-request
 * metrics and the summary are the simulator's own (`RequestMetrics`, `summarizeRun`), so the
 * figures compare one to one with `adagen simulate`.
 */
import { performance } from 'node:perf_hooks';
import { LatencyModel } from '@adagen/engine';
import type { LatencyProfile } from '@adagen/engine';
import type { SloSpec } from '@adagen/scheduler';
import { resolveSlo } from '@adagen/scheduler';
import { RequestMetrics, summarizeRun } from '@adagen/sim';
import type { SimSummary } from '@adagen/sim';
import type { Workload } from '@adagen/workloads';
import type { BodyOptions } from './body.js';
import { requestBody } from './body.js';
import { streamCompletion } from './client.js';

export interface ReplayOptions extends BodyOptions {
  readonly url: string;
  readonly workload: Workload;
  readonly profile: LatencyProfile;
  readonly slo: SloSpec;
  /** Per-request timeout (ms). */
  readonly timeoutMs: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly onProgress?: (sent: number, done: number, total: number) => void;
}

export interface ReplayResult {
  readonly metrics: SimSummary;
  /** Responses by HTTP status (0: no response). */
  readonly statuses: Record<string, number>;
  /** A few error texts, for the report. */
  readonly errors: string[];
  /** Requests that ended with fewer tokens than the trace asked for. */
  readonly short: number;
  /** How late requests were sent, ms (client lag). */
  readonly sendLagMs: { p50: number; max: number };
  readonly wallMs: number;
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const reqs = o.workload.requests;
  const m = new RequestMetrics(reqs);
  const model = new LatencyModel(o.profile);
  const chunking = { maxNumBatchedTokens: 512, enableChunkedPrefill: true };
  const endpoint = `${o.url.replace(/\/+$/, '')}/v1/${o.endpoint === 'chat' ? 'chat/completions' : 'completions'}`;
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  const lags: number[] = [];
  let short = 0;
  let done = 0;
  let sent = 0;
  const t0 = performance.now();
  const first = reqs[0]?.arrivalMs ?? 0;
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < reqs.length; i++) {
    const r = reqs[i]!;
    const slo = resolveSlo(o.slo, r, model, chunking);
    m.setSlo(i, slo.ttftMs, slo.tpotMs);
    m.setPlan(i, 'single', -1);
    const dueMs = r.arrivalMs - first;
    const waitMs = dueMs - (performance.now() - t0);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const sentMs = performance.now() - t0;
    sent += 1;
    lags.push(Math.max(0, sentMs - dueMs));
    m.arrivalMs[i] = sentMs;
    let index = 0;
    const onChunk = (atMs: number) => {
      m.token(i, index++, atMs - t0);
    };
    inFlight.push(
      streamCompletion(endpoint, requestBody(r, o), onChunk, o.timeoutMs, o.headers).then((res) => {
        statuses[String(res.status)] = (statuses[String(res.status)] ?? 0) + 1;
        // 429: the fleet's admission control refused it (counted as shed, a miss).
        if (res.status === 429 && index === 0) m.shedRequest(i);
        if (res.error !== undefined && errors.length < 5) errors.push(`${r.id}: ${res.error}`);
        if (res.done && index < r.outputTokens && index > 0) {
          // The server stopped early (it ignored the length): count it on what it produced.
          short += 1;
          m.outputTokens[i] = index;
          m.finished += 1;
        }
        done += 1;
        o.onProgress?.(sent, done, reqs.length);
      }),
    );
    o.onProgress?.(sent, done, reqs.length);
  }
  await Promise.all(inFlight);
  lags.sort((a, b) => a - b);
  return {
    metrics: summarizeRun(m),
    statuses,
    errors,
    short,
    sendLagMs: { p50: lags[Math.floor(lags.length / 2)] ?? 0, max: lags.at(-1) ?? 0 },
    wallMs: performance.now() - t0,
  };
}
