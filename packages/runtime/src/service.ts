import type { NatsConnection } from '@nats-io/nats-core';
import { Svcm } from '@nats-io/services';
import type { Service, ServiceInfo } from '@nats-io/services';
import type { Registry } from 'prom-client';
import { endpointCallback } from './endpoint.js';
import type { EndpointOptions } from './endpoint.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { createMetricsRegistry, runtimeMetrics } from './metrics.js';

export interface ServiceOptions {
  /** Service name for discovery (`$SRV.PING.<name>`); letters, digits, `-` and `_`. */
  readonly name: string;
  /** Semantic version, e.g. `0.1.0`. */
  readonly version: string;
  readonly description?: string;
  /**
   * Queue group shared by the replicas of this service.
   * @default the service name
   */
  readonly queue?: string;
  readonly metadata?: Record<string, string>;
  /** Gates requests (only `ready` accepts) and stops the service on drain. */
  readonly lifecycle: Lifecycle;
  readonly logger?: Logger;
  /** @default a new registry labelled with the service name */
  readonly registry?: Registry;
}

/**
 * A NATS Service API service whose endpoints decode, validate, cap and await their handlers
 * (see {@link endpointCallback}). Registers its own stop with the lifecycle.
 */
export class AdagenService {
  readonly name: string;
  readonly registry: Registry;
  private readonly svc: Service;
  private readonly lifecycle: Lifecycle;
  private readonly logger: Logger;

  private constructor(
    private readonly nc: NatsConnection,
    svc: Service,
    options: ServiceOptions,
    registry: Registry,
    logger: Logger,
  ) {
    this.svc = svc;
    this.name = options.name;
    this.lifecycle = options.lifecycle;
    this.registry = registry;
    this.logger = logger;
  }

  static async start(nc: NatsConnection, options: ServiceOptions): Promise<AdagenService> {
    const logger = (options.logger ?? silentLogger()).child({ service: options.name });
    const registry = options.registry ?? createMetricsRegistry({ service: options.name });
    const svc = await new Svcm(nc).add({
      name: options.name,
      version: options.version,
      description: options.description ?? '',
      queue: options.queue ?? options.name,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    });
    const service = new AdagenService(nc, svc, options, registry, logger);
    options.lifecycle.onStop(`service ${options.name}`, () => service.stop());
    svc.stopped.then(
      (error) => {
        if (error !== null) logger.error({ err: error }, 'service stopped with an error');
      },
      (error: unknown) => logger.error({ err: error }, 'service stopped with an error'),
    );
    logger.info({ id: svc.info().id, version: options.version }, 'service registered');
    return service;
  }

  /** Adds an endpoint named `name` (discovery) listening on `subject`. */
  addEndpoint<Req, Res>(name: string, subject: string, options: EndpointOptions<Req, Res>): void {
    const logger = this.logger.child({ endpoint: name });
    const callback = endpointCallback(
      { name, lifecycle: this.lifecycle, logger, metrics: runtimeMetrics(this.registry) },
      options,
    );
    this.svc.addEndpoint(name, {
      subject,
      handler: (error, msg) => {
        if (error !== null) {
          logger.error({ err: error }, 'endpoint subscription error');
          return;
        }
        callback(msg);
      },
    });
    logger.info({ subject }, 'endpoint added');
  }

  /** Resolves once the server has processed every endpoint subscription made so far. */
  async flush(): Promise<void> {
    await this.nc.flush();
  }

  info(): ServiceInfo {
    return this.svc.info();
  }

  /** Stops listening (drains the endpoint subscriptions). Idempotent. */
  async stop(): Promise<void> {
    const error = await this.svc.stop();
    if (error !== null) this.logger.warn({ err: error }, 'service stop reported an error');
  }
}
