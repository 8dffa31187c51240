/** Putting a job's part of a plan on the simulated engine. */
import type { PrefixInfo, SimInstance } from '@adagen/engine';
import type { AgentDispatch } from '@adagen/protocol';
import type { Job } from './job.js';

function metaOf(r: Job['request']) {
  return {
    maxTokens: r.maxTokens,
    predictedOutputTokens: r.predictedOutputTokens,
    originArrivalMs: r.arrivalMs,
  };
}

/**
 * The prompt's block hashes for an engine with prefix caching on, when the request carries them
 * at the engine's block size (the classifier hashes at `prefixBlockSize`, 16 by default as the
 * engine's blocks); otherwise none, and the prompt is prefilled whole.
 */
function prefixOf(instance: SimInstance, r: AgentDispatch['request']): { prefix?: PrefixInfo } {
  const p = r.prefix;
  if (!instance.config.enablePrefixCaching || p === undefined) return {};
  if (p.blockSize !== instance.config.blockSize || p.blockHashes.length === 0) return {};
  return { prefix: { blockHashes: p.blockHashes } };
}

/** Enqueues the dispatched role (a `decode` part waits for the KV and enqueues nothing). */
export function enqueuePart(instance: SimInstance, job: Job, d: AgentDispatch, at: number): void {
  const r = d.request;
  const meta = metaOf(r);
  const id = job.requestId;
  switch (d.role) {
    case 'full':
      instance.enqueue(
        {
          kind: 'full',
          id,
          promptTokens: r.promptTokens,
          outputTokens: job.outputTokens,
          meta,
          ...prefixOf(instance, r),
        },
        at,
      );
      job.engineKind = 'full';
      return;
    case 'prefill':
      instance.enqueue(
        { kind: 'prefill', id, promptTokens: r.promptTokens, meta, ...prefixOf(instance, r) },
        at,
      );
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
