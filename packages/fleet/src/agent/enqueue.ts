/** Putting a job's part of a plan on the simulated engine. */
import type { SimInstance } from '@adagen/engine';
import type { AgentDispatch } from '@adagen/protocol';
import type { Job } from './job.js';

function metaOf(r: Job['request']) {
  return {
    maxTokens: r.maxTokens,
    predictedOutputTokens: r.predictedOutputTokens,
    originArrivalMs: r.arrivalMs,
  };
}

/** Enqueues the dispatched role (a `decode` part waits for the KV and enqueues nothing). */
export function enqueuePart(instance: SimInstance, job: Job, d: AgentDispatch, at: number): void {
  const r = d.request;
  const meta = metaOf(r);
  const id = job.requestId;
  switch (d.role) {
    case 'full':
      instance.enqueue(
        { kind: 'full', id, promptTokens: r.promptTokens, outputTokens: job.outputTokens, meta },
        at,
      );
      job.engineKind = 'full';
      return;
    case 'prefill':
      instance.enqueue({ kind: 'prefill', id, promptTokens: r.promptTokens, meta }, at);
      job.engineKind = 'prefill';
      return;
    case 'segment': {
      const seg = d.segment ?? { startToken: 0, endToken: r.promptTokens };
      instance.enqueue({ kind: 'segment', id, promptTokens: r.promptTokens, ...seg, meta }, at);
      job.engineKind = 'segment';
      return;
    }
    case 'decode':
      return; // waits for the KV
  }
}

/** The decode part of a split plan, once the KV is here (the first token was emitted). */
export function enqueueDecodePart(instance: SimInstance, job: Job, at: number): void {
  const r = job.request;
  instance.enqueue(
    {
      kind: 'decode',
      id: job.requestId,
      promptTokens: r.promptTokens,
      outputTokens: job.outputTokens,
      generatedTokens: 1,
      meta: metaOf(r),
    },
    at,
  );
  job.engineKind = 'decode';
  job.tokens = Math.max(job.tokens, 1);
}
