/**
 * Gateway options (flags / `ADAGEN_*` variables), on top of the runtime's and the fleet clock.
 * The OpenAI API, `/metrics`, `/healthz` and `/readyz` share `httpHost:httpPort`.
 *
 * | Option | Default | What |
 * |---|---|---|
 * | gatewayId | `gw-<random>` | this gateway's id (its stream subjects `adagen.v1.stream.<id>.*`) |
 * | models | `meta-llama/Meta-Llama-3-8B-Instruct` | model names served (comma-separated) |
 * | requestTimeoutMs | 60000 | deadline of a request from receipt (wall ms); then 504 |
 * | maxInFlight | 1024 | requests held at once; beyond, 429 with `Retry-After` |
 * | maxBodyBytes | 2097152 | larger bodies get 413 |
 * | defaultMaxTokens | 256 | `max_tokens` when the client gives none |
 * | retryAfterS | 1 | `Retry-After` on 429 and 503 |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  gatewayId: configField
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected 1-64 characters of A-Z a-z 0-9 _ -' })
    .optional()
    .describe('gateway id (default gw-<random>)'),
  models: configField
    .list()
    .default(['meta-llama/Meta-Llama-3-8B-Instruct'])
    .describe('model names served, comma-separated'),
  requestTimeoutMs: configField.int(1, 3_600_000).default(60_000).describe('request deadline'),
  maxInFlight: configField.int(1, 1_000_000).default(1024).describe('requests held at once'),
  maxBodyBytes: configField
    .int(1024, 64 * 1024 * 1024)
    .default(2 * 1024 * 1024)
    .describe('largest body'),
  defaultMaxTokens: configField.int(1, 4_194_304).default(256).describe('max_tokens default'),
  retryAfterS: configField.int(0, 3600).default(1).describe('Retry-After on 429/503'),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
