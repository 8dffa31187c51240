/**
 * Classifier options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | policy, seed, sloTtft, sloTpot | `adagen`, 0, `5x:250`, `5x:50` | the policy whose classify step runs here |
 * | tokenizer | `llama3` | `llama3` (Llama 3 BPE) or `chars` (4 characters a token, for tests) |
 * | maxInFlight | 512 | requests in the chain at once before answering `overloaded` |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const classifierConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...policyConfigShape,
  tokenizer: configField
    .oneOf(['llama3', 'chars'])
    .default('llama3')
    .describe('prompt token counter'),
  maxInFlight: configField.int(1, 100_000).default(512).describe('requests in flight at most'),
});
export type ClassifierConfig = z.output<typeof classifierConfigSchema>;
