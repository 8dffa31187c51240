// Public API of @adagen/testkit: real nats-server processes and clusters for tests.
export type { NatsServer, NatsServerOptions } from './natsServer.js';
export { startNatsServer } from './natsServer.js';
export type { NatsCluster, NatsClusterOptions } from './natsCluster.js';
export { startNatsCluster } from './natsCluster.js';
export type { NatsMode, ModeDecision } from './mode.js';
export { decideMode, resolveMode } from './mode.js';
export { NATS_INSTALL_HINT, findNatsServerBinary } from './binary.js';
export { freePort, freePorts } from './ports.js';
