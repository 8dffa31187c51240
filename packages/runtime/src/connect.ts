import { readFile } from 'node:fs/promises';
import {
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/nats-core';
import type { Authenticator, NatsConnection, Status } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { rememberInboxPrefix } from './requester.js';

/** One way to authenticate; at most one per connection. */
export type NatsCredentials =
  | { readonly kind: 'creds'; readonly credsFile: string }
  | { readonly kind: 'user'; readonly user: string; readonly pass: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'nkey'; readonly seedFile: string };

export interface NatsTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface ConnectOptions {
  /** Server URLs, e.g. `['nats://a:4222', 'nats://b:4222']`. */
  readonly servers: readonly string[];
  /** Connection name shown by the server (`/connz`). */
  readonly name: string;
  readonly credentials?: NatsCredentials;
  readonly tls?: NatsTls;
  /**
   * Prefix of this client's reply inboxes, for servers that give each user a private inbox
   * (`_INBOX.<user>.>`; see `@adagen/natsconf`).
   * @default "_INBOX"
   */
  readonly inboxPrefix?: string;
  /**
   * Wait between reconnect attempts to the same server; reconnects never give up.
   * @default 1000
   */
  readonly reconnectTimeWaitMs?: number;
  /**
   * Random extra wait added to each reconnect attempt, so clients do not reconnect in lockstep.
   * @default 500
   */
  readonly reconnectJitterMs?: number;
  /**
   * Keep retrying the first connection instead of failing when no server is up yet.
   * @default false
   */
  readonly waitOnFirstConnect?: boolean;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

async function authenticator(credentials: NatsCredentials): Promise<Authenticator> {
  switch (credentials.kind) {
    case 'creds':
      return credsAuthenticator(await readFile(credentials.credsFile));
    case 'user':
      return usernamePasswordAuthenticator(credentials.user, credentials.pass);
    case 'token':
      return tokenAuthenticator(credentials.token);
    case 'nkey':
      return nkeyAuthenticator(
        new TextEncoder().encode((await readFile(credentials.seedFile, 'utf8')).trim()),
      );
  }
}

/**
 * Connects to NATS with reconnect-forever and jitter, optional credentials and TLS, and logs every
 * connection status change (disconnect, reconnect, errors, slow consumers).
 */
export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const logger = options.logger ?? silentLogger();
  const tls = options.tls;
  const nc = await connect({
    servers: [...options.servers],
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1000,
    reconnectJitter: options.reconnectJitterMs ?? 500,
    reconnectJitterTLS: options.reconnectJitterMs ?? 1000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
    timeout: options.connectTimeoutMs ?? 5000,
    // No stack trace captured per request and flush (an Error built in advance, in case it
    // times out): our callers map transport failures to AdagenErrors that name the subject, and
    // on the decision chain each capture costs more than the hop's own work.
    noAsyncTraces: true,
    ...(options.credentials === undefined
      ? {}
      : { authenticator: await authenticator(options.credentials) }),
    ...(options.inboxPrefix === undefined ? {} : { inboxPrefix: options.inboxPrefix }),
    ...(tls === undefined
      ? {}
      : { tls: { caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile } }),
  });
  if (options.inboxPrefix !== undefined) rememberInboxPrefix(nc, options.inboxPrefix);
  logger.info({ server: nc.getServer(), name: options.name }, 'nats connected');
  void logStatus(nc, logger);
  return nc;
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  try {
    for await (const status of nc.status()) logOne(status, logger);
  } catch (error) {
    logger.warn({ err: error }, 'nats status stream ended');
  }
}

function logOne(status: Status, logger: Logger): void {
  switch (status.type) {
    case 'disconnect':
      logger.warn({ server: status.server }, 'nats disconnected');
      return;
    case 'reconnecting':
      logger.debug('nats reconnecting');
      return;
    case 'reconnect':
      logger.info({ server: status.server }, 'nats reconnected');
      return;
    case 'error':
      logger.error({ err: status.error }, 'nats error');
      return;
    case 'ldm':
      logger.warn({ server: status.server }, 'nats server entering lame-duck mode');
      return;
    case 'slowConsumer':
      logger.warn(
        { subject: status.sub.getSubject(), pending: status.pending },
        'nats slow consumer',
      );
      return;
    case 'staleConnection':
    case 'forceReconnect':
      logger.warn({ type: status.type }, 'nats connection reset');
      return;
    case 'update':
      logger.debug({ added: status.added, deleted: status.deleted }, 'nats cluster update');
      return;
    case 'close':
      logger.info('nats connection closed');
      return;
    case 'ping':
      return;
  }
}

/** Builds connect options from the shared runtime configuration. */
export function credentialsFromConfig(config: {
  readonly natsCredsFile?: string | undefined;
  readonly natsUser?: string | undefined;
  readonly natsPass?: string | undefined;
  readonly natsToken?: string | undefined;
  readonly natsNkeySeedFile?: string | undefined;
}): NatsCredentials | undefined {
  if (config.natsCredsFile !== undefined) return { kind: 'creds', credsFile: config.natsCredsFile };
  if (config.natsNkeySeedFile !== undefined)
    return { kind: 'nkey', seedFile: config.natsNkeySeedFile };
  if (config.natsUser !== undefined)
    return { kind: 'user', user: config.natsUser, pass: config.natsPass ?? '' };
  if (config.natsToken !== undefined) return { kind: 'token', token: config.natsToken };
  return undefined;
}
