import type { NatsConnection } from '@nats-io/nats-core';
import type { Registry } from 'prom-client';
import { connectNats, credentialsFromConfig } from './connect.js';
import { startOpsServer } from './http.js';
import type { OpsServer } from './http.js';
import { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';
import type { Stoppable } from './main.js';
import { createMetricsRegistry } from './metrics.js';
import type { RuntimeConfig } from './runtime-config.js';
import { AdagenService } from './service.js';

export interface StartRuntimeOptions {
  readonly service: {
    readonly name: string;
    readonly version: string;
    readonly description?: string;
    readonly queue?: string;
  };
  readonly config: RuntimeConfig;
  /** Bound into logs and metrics labels, for per-instance services (agents). */
  readonly instanceId?: string;
  /** @default a pino logger at `config.logLevel` bound to `{service, instanceId}` */
  readonly logger?: Logger;
  /**
   * Serve `/metrics`, `/healthz`, `/readyz` on `config.httpHost:config.httpPort`.
   * @default true
   */
  readonly http?: boolean;
}

/** Everything a service process needs, wired together; `stop()` drains in the right order. */
export interface ServiceRuntime extends Stoppable {
  readonly nc: NatsConnection;
  readonly service: AdagenService;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly http: OpsServer | undefined;
  /**
   * Call once every endpoint and subscription is in place: flushes the connection (so the server
   * has registered every subscription before anyone is told the service is up), then starts
   * accepting requests.
   */
  ready(): Promise<void>;
}

/**
 * Starts the shared parts of a service: logger, metrics registry, ops HTTP server, NATS
 * connection and Service API service. On stop: endpoints refuse new work, in-flight work gets
 * `config.drainGraceMs`, then the service stops, the connection drains and the HTTP server closes.
 */
export async function startRuntime(options: StartRuntimeOptions): Promise<ServiceRuntime> {
  const { config, service: about, instanceId } = options;
  const logger =
    options.logger ??
    createLogger({
      service: about.name,
      level: config.logLevel,
      ...(instanceId === undefined ? {} : { instanceId }),
    });
  const lifecycle = new Lifecycle({ graceMs: config.drainGraceMs, logger });
  const registry = createMetricsRegistry({
    service: about.name,
    ...(instanceId === undefined ? {} : { instanceId }),
  });
  let http: OpsServer | undefined;
  try {
    if (options.http ?? true) {
      http = await startOpsServer({
        registry,
        isReady: () => lifecycle.accepting,
        port: config.httpPort,
        host: config.httpHost,
        logger,
      });
      const server = http;
      lifecycle.onStop('ops http server', () => server.close());
    }
    const credentials = credentialsFromConfig(config);
    const tls =
      config.natsTlsCaFile === undefined && config.natsTlsCertFile === undefined
        ? undefined
        : {
            caFile: config.natsTlsCaFile,
            certFile: config.natsTlsCertFile,
            keyFile: config.natsTlsKeyFile,
          };
    const nc = await connectNats({
      servers: config.natsServers,
      name:
        config.natsName ?? (instanceId === undefined ? about.name : `${about.name}-${instanceId}`),
      logger,
      ...(credentials === undefined ? {} : { credentials }),
      ...(tls === undefined ? {} : { tls }),
      ...(config.natsInboxPrefix === undefined ? {} : { inboxPrefix: config.natsInboxPrefix }),
    });
    lifecycle.onStop('nats connection', async () => {
      if (!nc.isClosed()) await nc.drain();
    });
    const service = await AdagenService.start(nc, { ...about, lifecycle, logger, registry });
    return {
      nc,
      service,
      lifecycle,
      logger,
      registry,
      http,
      ready: async () => {
        await nc.flush();
        lifecycle.markReady();
      },
      stop: (reason?: string) => lifecycle.stop(reason),
    };
  } catch (error) {
    await lifecycle.stop('startup failed');
    throw error;
  }
}
