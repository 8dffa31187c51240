import { z } from 'zod';
import { configField } from './config-fields.js';
import { LOG_LEVELS } from './logger.js';

/**
 * Options every service shares. Spread into a service's own schema:
 * `z.object({ ...runtimeConfigShape, instanceId: configField.string() })`.
 *
 * | Option | Variable / flag | Default |
 * |---|---|---|
 * | natsServers | `ADAGEN_NATS_SERVERS` / `--nats-servers` | `nats://127.0.0.1:4222` |
 * | natsName | `ADAGEN_NATS_NAME` / `--nats-name` | the service name |
 * | natsCredsFile, natsUser, natsPass, natsToken, natsNkeySeedFile | … | none (no auth) |
 * | natsInboxPrefix | `ADAGEN_NATS_INBOX_PREFIX` | `_INBOX` (private inboxes: `_INBOX.<user>`) |
 * | natsTlsCaFile, natsTlsCertFile, natsTlsKeyFile | … | none (plain TCP) |
 * | logLevel | `ADAGEN_LOG_LEVEL` / `--log-level` | `info` |
 * | httpHost | `ADAGEN_HTTP_HOST` / `--http-host` | `0.0.0.0` |
 * | httpPort | `ADAGEN_HTTP_PORT` / `--http-port` | `0` (a free port; logged) |
 * | drainGraceMs | `ADAGEN_DRAIN_GRACE_MS` / `--drain-grace-ms` | `10000` |
 */
export const runtimeConfigShape = {
  natsServers: configField
    .list()
    .default(['nats://127.0.0.1:4222'])
    .describe('NATS server URLs, comma-separated'),
  natsName: configField.string().optional().describe('connection name shown by the server'),
  natsCredsFile: configField.string().optional().describe('NATS .creds file (JWT + seed)'),
  natsUser: configField.string().optional().describe('user name (with natsPass)'),
  natsPass: configField.string().optional().describe('password (with natsUser)'),
  natsToken: configField.string().optional().describe('auth token'),
  natsNkeySeedFile: configField.string().optional().describe('file holding an nkey seed'),
  natsInboxPrefix: configField
    .string()
    .optional()
    .describe('reply-inbox prefix when the server gives each user a private inbox'),
  natsTlsCaFile: configField.string().optional().describe('CA bundle to verify the server'),
  natsTlsCertFile: configField.string().optional().describe('client certificate (mutual TLS)'),
  natsTlsKeyFile: configField.string().optional().describe('client key (mutual TLS)'),
  logLevel: configField.oneOf(LOG_LEVELS).default('info').describe('pino log level'),
  httpHost: configField
    .string()
    .default('0.0.0.0')
    .describe('address of /metrics, /healthz, /readyz'),
  httpPort: configField.int(0, 65_535).default(0).describe('port of /metrics etc.; 0 picks one'),
  drainGraceMs: configField
    .int(0, 3_600_000)
    .default(10_000)
    .describe('how long in-flight work may finish on shutdown before it is aborted'),
} as const;

export const runtimeConfigSchema = z.object(runtimeConfigShape);
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
