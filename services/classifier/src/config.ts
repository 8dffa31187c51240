/**
 * Classifier options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | policy, seed, sloTtft, sloTpot | `adagen`, 0, `5x:250`, `5x:50` | the policy whose classify step runs here |
 * | tokenizer | `llama3` | `llama3` (Llama 3 BPE, in worker threads) or `chars` (4 characters a token, for tests) |
 * | tokenizerWorkers | 1 | `llama3`: worker threads counting prompts shorter than `tokenizerBigPromptChars` (off the event loop) |
 * | tokenizerBigWorkers | 1 | `llama3`: worker threads counting big prompts, at nice `tokenizerBigNice`, so small prompts never queue behind a big one; 0: one lane for all |
 * | tokenizerBigPromptChars | 8192 | prompt length (characters) from which a prompt is big (≈ 5 ms of counting) |
 * | tokenizerBigNice | 19 | OS nice value of the big-prompt threads (Linux; 0: unchanged): a big count yields the CPU to the serving path |
 * | tokenizerMaxQueued | 256 | prompts waiting to be counted at most; beyond, `overloaded` (429) |
 * | tokenizerMaxBigQueued | 32 | big prompts waiting to be counted at most; beyond, `overloaded` (429) |
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
  tokenizerBigWorkers: configField
    .int(0, 64)
    .default(1)
    .describe('tokenizer worker threads for big prompts (0: no separate lane)'),
  tokenizerBigPromptChars: configField
    .int(1, 100_000_000)
    .default(8192)
    .describe('prompt characters from which a prompt is big'),
  tokenizerBigNice: configField
    .int(0, 19)
    .default(19)
    .describe('OS nice value of the big-prompt tokenizer threads'),
  tokenizerMaxQueued: configField
    .int(1, 100_000)
    .default(256)
    .describe('prompts waiting to be tokenized at most'),
  tokenizerMaxBigQueued: configField
    .int(1, 100_000)
    .default(32)
    .describe('big prompts waiting to be tokenized at most'),
  maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
});
export type ClassifierConfig = z.output<typeof classifierConfigSchema>;
