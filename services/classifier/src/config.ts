/**
 * Classifier options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | policy, seed, sloTtft, sloTpot | `adagen`, 0, `5x:250`, `5x:50` | the policy whose classify step runs here |
 * | tokenizer | `llama3` | `llama3` (Llama 3 BPE, in worker threads) or `chars` (4 characters a token, for tests) |
 * | tokenizerWorkers | 1 | `llama3`: worker threads counting tokens (off the event loop) |
 * | tokenizerMaxQueued | 256 | prompts waiting to be counted at most; beyond, `overloaded` (429) |
 * | maxInFlight | 512 | requests in the chain at once before answering `overloaded` |
 * | prefixHashing | true | carry the prompt's chained block hashes (from its token ids: given ones, or the `llama3` tokenizer's) to the balancer, for prefix-cache-aware placement |
 * | prefixBlockSize | 16 | tokens per hashed block (the agents' and balancers' too) |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, prefixConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const classifierConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...policyConfigShape,
  ...prefixConfigShape,
  prefixHashing: configField
    .boolean()
    .default(true)
    .describe('send the prompt’s chained block hashes to the balancer'),
  tokenizer: configField
    .oneOf(['llama3', 'chars'])
    .default('llama3')
    .describe('prompt token counter'),
  tokenizerWorkers: configField.int(1, 64).default(1).describe('tokenizer worker threads'),
  tokenizerMaxQueued: configField
    .int(1, 100_000)
    .default(256)
    .describe('prompts waiting to be tokenized at most'),
  maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
});
export type ClassifierConfig = z.output<typeof classifierConfigSchema>;
