/**
 * Live: no true output length reaches a policy. Two requests identical but for their true
 * output lengths, sent as `adagen replay` sends them (one realistic `max_tokens` cap for every
 * request; the length only as the engine-side `adagen_output_tokens`), reach the classifier with
 * identical inputs and get identical decision records (prompt, cap, predicted length); each
 * still gets exactly its own length from its agent.
 */
import { connect } from '@nats-io/transport-node';
import { requestInfoOf } from '@adagen/fleet';
import {
  createCodec,
  decisionRecordSchema,
  inferenceRequestSchema,
  subjects,
  wildcards,
} from '@adagen/protocol';
import type { DecisionRecord, InferenceRequest } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { postStream } from './fleet/openai-client.js';
import { fleetForSuite } from './fleet/suite.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const PROMPT = Array.from({ length: 40 }, (_, i) => 1000 + i);
/** `adagen replay --output-mode adagen` bodies: the same cap for all, the length as a hint. */
const body = (outputTokens: number) => ({
  model: MODEL,
  prompt: PROMPT,
  max_tokens: 512,
  adagen_output_tokens: outputTokens,
  stream: true,
  stream_options: { include_usage: true },
});

describe('the live fleet is blind to true output lengths', () => {
  const suite = fleetForSuite({
    agents: 2,
    policy: 'adagen',
    timeScale: 5,
  });

  it('classifier inputs and decisions of two requests differing only in length are identical', async () => {
    const nc = await connect({ servers: suite.nats.url });
    const requests = createCodec(inferenceRequestSchema);
    const decisions = createCodec(decisionRecordSchema);
    const inputs: InferenceRequest[] = [];
    const records: DecisionRecord[] = [];
    // Plain (non-queue) subscribers see every message the services get.
    const s1 = nc.subscribe(subjects.service('classify'), {
      callback: (_e, m) => {
        const r = requests.decode(m.data);
        if (r.ok) inputs.push(r.value);
      },
    });
    const s2 = nc.subscribe(wildcards.decisions, {
      callback: (_e, m) => {
        const r = decisions.decode(m.data);
        if (r.ok) records.push(r.value);
      },
    });
    await nc.flush();
    const [short, long] = await Promise.all([
      postStream(`${suite.fleet.url}/v1/completions`, body(7)),
      postStream(`${suite.fleet.url}/v1/completions`, body(300)),
    ]);
    await nc.flush();
    s1.unsubscribe();
    s2.unsubscribe();
    await nc.close();
    expect([short.status, long.status]).toEqual([200, 200]);
    const usage = (r: typeof short) =>
      (r.events.at(-1)?.usage as { completion_tokens?: number } | undefined)?.completion_tokens;
    expect([usage(short), usage(long)]).toEqual([7, 300]);

    expect(inputs).toHaveLength(2);
    // Per-request ids and times aside, and the engine-side hint the policies never read.
    const scrub = (r: InferenceRequest) => {
      const {
        requestId: _id,
        receivedAtMs: _at,
        deadlineAtMs: _dl,
        targetOutputTokens,
        ...rest
      } = r;
      return { rest, targetOutputTokens };
    };
    const [a, b] = inputs.map(scrub);
    expect(a!.rest).toEqual(b!.rest);
    expect(a!.rest.maxTokens).toBe(512);
    expect([a!.targetOutputTokens, b!.targetOutputTokens].sort((x, y) => x! - y!)).toEqual([
      7, 300,
    ]);
    // What the policy's classify step reads carries no length.
    const info = inputs.map((r) => {
      const { id: _id, arrivalMs: _at, ...rest } = requestInfoOf(r, PROMPT.length);
      return rest;
    });
    expect(info[0]).toEqual(info[1]);
    expect(info[0]).not.toHaveProperty('targetOutputTokens');

    expect(records).toHaveLength(2);
    const seen = records.map((d) => [d.promptTokens, d.maxTokens, d.predictedOutputTokens]);
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]![1]).toBe(512);
  }, 60_000);
});
