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
 * | retryAfterS | 1 | `Retry-After` on 429 and 503 when no prediction comes with the error |
 * | maxAttempts | 3 | placements of one request: the first and up to 2 retries |
 * | attemptTimeoutMs | 5000 | wall ms an attempt may take to be placed (plan accepted, or its tokens flowing) before the request is placed again |
 * | retryBackoffMs | 50 | wait before the first retry; doubles per retry (with jitter), at most 1 s |
 * | statePeriodMs, staleAfterPeriods, staleAfterMinWallMs | 100, 5, 500 | an agent whose snapshots stop this long is suspect: the gateway probes it, and it is gone only when nothing answers on its subjects (its NATS connection closed), it announces `down`, or it restarts; then its requests are placed again (no token sent yet) or failed |
 * | probeTimeoutMs | 1000 | wall ms a probe of a suspect agent may take (a slower answer proves nothing) |
 * | streamGapTimeoutMs | 2000 | wall ms a missing chunk of a stream is waited for; then the stream ends with an error (placed again if nothing reached the client) |
 * | sseMaxBufferedBytes | 4194304 | a streaming client that stops reading may leave this much waiting; then it is dropped (and its request cancelled) |
 * | corsOrigins | none | origins allowed by CORS (comma-separated; `*` for any); none: no CORS headers |
 * | apiKeys | none | API keys, comma-separated; with keys (or `apiKeysFile`) every `/v1/*` request needs `Authorization: Bearer <key>` |
 * | apiKeysFile | none | a file of keys, one per line: `<key> [name] [ratePerS] [burst]` |
 * | rateLimitPerS | 0 | requests per second per key (all clients together without keys); 0 = no limit |
 * | rateLimitBurst | 20 | bucket size of that limit |
 * | httpHeadersTimeoutMs | 10000 | a client must send its headers within this (slowloris) |
 * | httpRequestTimeoutMs | 30000 | …and its whole request (headers and body) within this |
 * | httpKeepAliveTimeoutMs | 5000 | idle keep-alive connections close after this |
 * | httpMaxConnections | 4096 | sockets at once; beyond, new connections are dropped (and counted) |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  ...viewConfigShape,
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
  retryAfterS: configField.int(0, 3600).default(1).describe('Retry-After on 429/503'),
  maxAttempts: configField.int(1, 10).default(3).describe('placements of one request'),
  attemptTimeoutMs: configField
    .int(1, 3_600_000)
    .default(5000)
    .describe('wall ms an attempt may take to be placed'),
  retryBackoffMs: configField.int(0, 60_000).default(50).describe('first retry backoff'),
  probeTimeoutMs: configField
    .int(10, 600_000)
    .default(1000)
    .describe('wall ms a probe of a suspect agent may take'),
  streamGapTimeoutMs: configField
    .int(10, 600_000)
    .default(2000)
    .describe('wall ms a missing stream chunk is waited for'),
  sseMaxBufferedBytes: configField
    .int(1024, 1024 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('bytes a slow streaming client may leave waiting'),
  corsOrigins: configField
    .list()
    .default([])
    .describe('origins allowed by CORS, comma-separated (* for any)'),
  apiKeys: configField.list().default([]).describe('API keys, comma-separated (none: no auth)'),
  apiKeysFile: configField.string().optional().describe('file of API keys, one per line'),
  rateLimitPerS: configField.number(0, 1e6).default(0).describe('requests/s per key (0: off)'),
  rateLimitBurst: configField.int(1, 1e6).default(20).describe('rate limit bucket size'),
  httpHeadersTimeoutMs: configField.int(100, 600_000).default(10_000).describe('headers deadline'),
  httpRequestTimeoutMs: configField.int(100, 600_000).default(30_000).describe('request deadline'),
  httpKeepAliveTimeoutMs: configField.int(100, 600_000).default(5000).describe('idle keep-alive'),
  httpMaxConnections: configField.int(1, 1_000_000).default(4096).describe('sockets at once'),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
