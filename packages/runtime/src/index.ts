// Public API of @adagen/runtime: the service skeleton over NATS.
export type { ConnectOptions, NatsCredentials, NatsTls } from './connect.js';
export { connectNats, credentialsFromConfig } from './connect.js';
export type { EndpointHandler, EndpointOptions, RequestContext } from './endpoint.js';
export type { ServiceOptions } from './service.js';
export { AdagenService } from './service.js';
export type { RequestOptions } from './client.js';
export { isNoResponders, request } from './client.js';
export { inboxRequest } from './requester.js';
export type {
  MessageContext,
  SubscribeOptions,
  TypedSubscription,
  WireOrderedOptions,
} from './subscribe.js';
export { subscribe, subscribeInWireOrder } from './subscribe.js';
export {
  ADAGEN_ERROR_CODE_HEADER,
  ADAGEN_ERROR_RETRYABLE_HEADER,
  ADAGEN_RETRY_AFTER_MS_HEADER,
  errorFromReply,
  serviceErrorReply,
} from './service-errors.js';
export { codecFor } from './codecs.js';
export type { InFlight, LifecycleOptions, LifecycleState } from './lifecycle.js';
export { LIFECYCLE_STATES, Lifecycle } from './lifecycle.js';
export type { ProcessLike, RunMainOptions, Stoppable } from './main.js';
export { runMain } from './main.js';
export type { LogBindings, LogLevel, Logger, LoggerOptions } from './logger.js';
export { LOG_LEVELS, childLogger, createLogger, silentLogger } from './logger.js';
export type { ConfigProcess, ConfigSources } from './config.js';
export {
  ConfigError,
  describeConfig,
  envName,
  flagName,
  parseConfig,
  serviceConfig,
} from './config.js';
export { configField } from './config-fields.js';
export type { RuntimeConfig } from './runtime-config.js';
export { runtimeConfigSchema, runtimeConfigShape } from './runtime-config.js';
export type { MessageOutcome, MetricsOptions, RuntimeMetrics } from './metrics.js';
export { MESSAGE_OUTCOMES, createMetricsRegistry, runtimeMetrics } from './metrics.js';
export type {
  HttpLimits,
  HttpRejectReason,
  HttpRoute,
  OpsServer,
  OpsServerOptions,
} from './http.js';
export { startOpsServer } from './http.js';
export type { ServiceRuntime, StartRuntimeOptions } from './runtime.js';
export { startRuntime } from './runtime.js';
