// Public API of @adagen/deploy: Kubernetes objects for an AdaGen fleet, from a values file.
export type { Autoscaling, PoolValues, Values, ValuesInput } from './values.js';
export { parseValues, valuesSchema } from './values.js';
export type { Stage, Workload } from './topology.js';
export { ID_ENV, STAGES, fleetSpecOf, podPrincipal, roleOf, workloadsOf } from './topology.js';
export {
  APP_DIR,
  HTTP_PORT_NAME,
  NODE_BIN,
  PROBES,
  SEED_DIR,
  natsUrls,
  seedSecretName,
} from './containers.js';
export { ENGINE_PORT_NAME } from './engine.js';
export type { Seeds } from './nats.js';
export { NATS_AUTH_KEY, NATS_PORTS, natsServerConfig, publicKeysOf } from './nats.js';
export type { K8sObject } from './objects.js';
export { natsUsersOf, renderFleet } from './render.js';
export { fileNameOf, toKustomize, toYaml } from './yaml.js';
