/** The messages an agent sends for a job: tokens, outcomes, completion records, KV notices. */
import type {
  CompletionRecord,
  ErrorCode,
  KvHandoffNotice,
  OutcomeDone,
  OutcomeError,
  TokenChunk,
} from '@adagen/protocol';
import { ERROR_TABLE, planInstanceIds } from '@adagen/protocol';
import type { Job } from './job.js';
import type { ChunkOut } from './stream-text.js';

export function tokenChunk(
  job: Job,
  instanceId: string,
  chunk: ChunkOut,
  atMs: number,
): TokenChunk {
  return {
    v: 1,
    type: 'token',
    requestId: job.requestId,
    attempt: job.attempt,
    instanceId,
    seq: chunk.seq,
    text: chunk.text,
    tokenCount: chunk.tokenCount,
    atMs,
  };
}

/**
 * Tokens the request generated in all: a real engine's count; else the simulated engine's plan,
 * fewer when a stop string ended it.
 */
function generatedOf(job: Job): number {
  if (job.text.stopped) return job.tokens;
  return job.reported?.completionTokens ?? job.outputTokens;
}

function finishReasonOf(job: Job): 'stop' | 'length' {
  if (job.text.stopped) return 'stop';
  if (job.reported !== undefined) return job.reported.finishReason;
  return job.outputTokens >= job.request.maxTokens ? 'length' : 'stop';
}

function firstTokenOf(job: Job, atMs: number): number {
  return Math.min(Math.max(job.firstTokenAtMs ?? atMs, job.request.arrivalMs), atMs);
}

export function doneOutcome(job: Job, instanceId: string, atMs: number): OutcomeDone {
  const first = firstTokenOf(job, atMs);
  return {
    v: 1,
    type: 'done',
    requestId: job.requestId,
    attempt: job.attempt,
    instanceId,
    finishReason: finishReasonOf(job),
    usage: {
      promptTokens: job.reported?.promptTokens ?? job.request.promptTokens,
      completionTokens: generatedOf(job),
    },
    chunks: job.text.chunks,
    timings: {
      ttftMs: first - job.request.arrivalMs,
      e2eMs: Math.max(0, atMs - job.request.arrivalMs),
    },
    atMs,
  };
}

export function errorOutcome(
  job: Job,
  instanceId: string,
  code: ErrorCode,
  message: string,
  atMs: number,
): OutcomeError {
  return {
    v: 1,
    type: 'error',
    requestId: job.requestId,
    attempt: job.attempt,
    instanceId,
    code,
    message: message.slice(0, 4000),
    retryable: ERROR_TABLE[code].retryable,
    atMs,
  };
}

export function completionRecord(job: Job, atMs: number): CompletionRecord {
  const r = job.request;
  const first = firstTokenOf(job, atMs);
  const n = generatedOf(job);
  const record: CompletionRecord = {
    v: 1,
    type: 'completion_record',
    requestId: job.requestId,
    instanceIds: planInstanceIds(job.plan),
    model: r.model,
    promptTokens: r.promptTokens,
    outputTokens: n,
    maxTokens: r.maxTokens,
    predictedOutputTokens: r.predictedOutputTokens,
    planKind: job.plan.kind,
    arrivalMs: r.arrivalMs,
    firstTokenAtMs: first,
    finishedAtMs: Math.max(atMs, first),
    ttftMs: first - r.arrivalMs,
    tpotMs: n > 1 ? Math.max(0, atMs - first) / (n - 1) : 0,
    finishReason: finishReasonOf(job),
  };
  if (r.tenant !== undefined) record.tenant = r.tenant;
  if (r.slo !== undefined) record.slo = r.slo;
  if (r.predictedTtftMs !== undefined) record.predictedTtftMs = r.predictedTtftMs;
  if (r.predictedEngineTtftMs !== undefined) record.predictedEngineTtftMs = r.predictedEngineTtftMs;
  if (job.queuedAtMs !== undefined) record.queuedAtMs = job.queuedAtMs;
  if (job.reported?.cachedPromptTokens !== undefined)
    record.cachedPromptTokens = job.reported.cachedPromptTokens;
  return record;
}

export function kvReady(
  job: Job,
  from: string,
  to: string,
  range: { startToken: number; endToken: number },
  kvBlocks: number,
  atMs: number,
): KvHandoffNotice {
  const n: KvHandoffNotice = {
    v: 1,
    type: 'kv_ready',
    requestId: job.requestId,
    attempt: job.attempt,
    fromInstanceId: from,
    toInstanceId: to,
    range,
    kvBlocks,
    atMs,
  };
  if (job.firstTokenAtMs !== undefined) n.firstTokenAtMs = job.firstTokenAtMs;
  if (job.plan.kind === 'pd-split') n.stream = job.text.handoff();
  return n;
}

export function kvAborted(
  job: Job,
  from: string,
  to: string,
  code: ErrorCode,
  message: string,
  atMs: number,
): KvHandoffNotice {
  return {
    v: 1,
    type: 'kv_aborted',
    requestId: job.requestId,
    attempt: job.attempt,
    fromInstanceId: from,
    toInstanceId: to,
    code,
    message: message.slice(0, 4000),
    atMs,
  };
}
