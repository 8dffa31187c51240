/**
 * The classifier: counts the prompt's tokens, predicts the output length with the policy's
 * classify step (AdaGen's online length predictor learns from the agents' completion records),
 * and passes the classification on to `svc.balance`; answers with the chain's `PlanResult`.
 */
import { performance } from 'node:perf_hooks';
import { classificationToWire, renderChat, requestInfoOf } from '@adagen/fleet';
import {
  AdagenError,
  classificationSchema,
  completionRecordSchema,
  err,
  inferenceRequestSchema,
  planResultSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { InferenceRequest, PlanResult } from '@adagen/protocol';
import { childLogger, request, startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { charsPerTokenTokenizer, policyFor } from '@adagen/scheduler';
import { promptPrefixOf } from '@adagen/fleet';
import type { ClassifierConfig } from './config.js';
import { TokenizePool } from './tokenize-pool.js';
import { logLanes, observeCount, tokenizerHistogram } from './tokenizer-metrics.js';
import { decisionMetrics, fleetClockOf, sloSpecOf } from '@adagen/svc-shared';

export const CLASSIFIER_VERSION = '0.1.0';

export async function startClassifier(
  config: ClassifierConfig,
  options: { logger?: Logger } = {},
): Promise<ServiceRuntime> {
  const tokenizerSeconds = tokenizerHistogram();
  const pool =
    config.tokenizer === 'llama3'
      ? await TokenizePool.start({
          workers: config.tokenizerWorkers,
          bigWorkers: config.tokenizerBigWorkers,
          bigPromptChars: config.tokenizerBigPromptChars,
          bigNice: config.tokenizerBigNice,
          maxQueued: config.tokenizerMaxQueued,
          maxBigQueued: config.tokenizerMaxBigQueued,
          onCounted: (stats) => observeCount(tokenizerSeconds, stats),
        })
      : undefined;
  const countTokens = (text: string): Promise<number> =>
    pool === undefined
      ? Promise.resolve(charsPerTokenTokenizer.countTokens(text))
      : pool.count(text);
  /** The prompt's length and, when it can be hashed, its token ids. */
  const tokenize = async (
    req: InferenceRequest,
  ): Promise<{ promptTokens: number; ids?: ArrayLike<number> }> => {
    const ids = req.promptTokenIds;
    if (req.promptTokens !== undefined)
      return ids === undefined
        ? { promptTokens: req.promptTokens }
        : { promptTokens: req.promptTokens, ids };
    if (ids !== undefined) return { promptTokens: ids.length, ids };
    const text = req.messages === undefined ? (req.prompt ?? '') : renderChat(req.messages);
    if (pool === undefined || !config.prefixHashing)
      return { promptTokens: await countTokens(text) };
    const encoded = await pool.encode(text);
    return { promptTokens: encoded.length, ids: encoded };
  };
  const clock = fleetClockOf(config);
  const policy = policyFor(config.policy, {
    seed: config.seed,
    slo: sloSpecOf(config),
    instances: [],
  });
  const classifier = policy.classifier;
  const rt = await startRuntime({
    service: {
      name: 'classifier',
      version: CLASSIFIER_VERSION,
      description: 'prompt tokens, predicted output length, class',
    },
    config,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const metrics = decisionMetrics(rt.registry);
  if (pool !== undefined) rt.registry.registerMetric(tokenizerSeconds);

  const classify = async (req: InferenceRequest, logger: Logger): Promise<PlanResult> => {
    const log = childLogger(logger, { requestId: req.requestId });
    const t0 = performance.now();
    const { promptTokens, ids } = await tokenize(req);
    const prefix =
      config.prefixHashing && ids !== undefined
        ? promptPrefixOf(ids, config.prefixBlockSize)
        : undefined;
    const t1 = performance.now();
    const c = classifier.classify(requestInfoOf(req, promptTokens), clock.nowMs());
    const wire = classificationToWire(c, req);
    if (prefix !== undefined) wire.prefix = prefix;
    const decideMs = performance.now() - t1;
    log.debug(
      { promptTokens, predictedOutputTokens: wire.predictedOutputTokens, class: wire.class },
      'classified',
    );
    const timeoutMs = clock.wallDelayMs(req.deadlineAtMs - clock.nowMs());
    const result =
      timeoutMs > 0
        ? await request(rt.nc, subjects.balance, classificationSchema, planResultSchema, wire, {
            timeoutMs,
          })
        : err(new AdagenError('deadline_exceeded', 'deadline passed before balancing'));
    // Metrics after the hand-off: not on the request's way to its agent.
    metrics.decisionSeconds.observe({ step: 'tokenize', policy: policy.name }, (t1 - t0) / 1000);
    metrics.decisionSeconds.observe({ step: 'classify', policy: policy.name }, decideMs / 1000);
    const outcome = result.ok ? 'ok' : result.error.code;
    metrics.decisions.inc({ step: 'classify', policy: policy.name, outcome });
    if (!result.ok) throw result.error;
    return {
      ...result.value,
      promptTokens,
      predictedOutputTokens: wire.predictedOutputTokens,
      decisionMs: { ...result.value.decisionMs, classify: decideMs },
    };
  };

  rt.service.addEndpoint('classify', subjects.classify, {
    requestSchema: inferenceRequestSchema,
    responseSchema: planResultSchema,
    maxInFlight: config.maxInFlight,
    handler: (req, ctx) => classify(req, ctx.logger),
  });
  subscribe(rt.nc, wildcards.agentCompletion, {
    schema: completionRecordSchema,
    logger: rt.logger,
    registry: rt.registry,
    lifecycle: rt.lifecycle,
    handler: (record) => {
      classifier.observe?.({
        requestId: record.requestId,
        promptTokens: record.promptTokens,
        outputTokens: record.outputTokens,
        maxTokens: record.maxTokens,
        ...(record.tenant === undefined ? {} : { tenant: record.tenant }),
        model: record.model,
        finishedAtMs: record.finishedAtMs,
      });
      return Promise.resolve();
    },
  });
  await rt.ready();
  if (pool !== undefined) {
    rt.lifecycle.onStop('tokenizer workers', () => pool.close());
    logLanes(rt.logger, pool.lanes);
  }
  rt.logger.info(
    { policy: policy.name, tokenizer: pool?.name ?? charsPerTokenTokenizer.name },
    'classifier ready',
  );
  return rt;
}
