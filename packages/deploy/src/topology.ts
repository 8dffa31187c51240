/**
 * Who runs where, derived from the values: each workload (a stage or a GPU pool), its pods' names,
 * and the NATS user each pod connects as. Roles whose id appears in subjects (gateway, balancer,
 * agent; `@adagen/natsconf`) get one user per possible pod — `maxReplicas` of them — so those
 * workloads are StatefulSets whose pod name is the id; the others share one user per role.
 */
import { isRoleWithId, parseFleetSpec, principal } from '@adagen/natsconf';
import type { FleetSpec, Principal, Role } from '@adagen/natsconf';
import type { Autoscaling, PoolValues, Values } from './values.js';

/** The stages that run as their own workload: the request path in order, then the observers. */
export const STAGES = [
  'gateway',
  'classifier',
  'balancer',
  'planner',
  'estimator',
  'dashboard',
  'recommender',
] as const;
export type Stage = (typeof STAGES)[number];

/** The NATS role a service connects as: the read-only `observer` for dashboard and recommender. */
export function roleOf(service: Stage | 'agent'): Role {
  if (service === 'dashboard' || service === 'recommender') return 'observer';
  return service;
}

/** The option naming a pod's id, per service (the rest take none). */
export const ID_ENV: Readonly<Partial<Record<Stage | 'agent', string>>> = {
  gateway: 'ADAGEN_GATEWAY_ID',
  balancer: 'ADAGEN_BALANCER_ID',
  planner: 'ADAGEN_PLANNER_ID',
  agent: 'ADAGEN_INSTANCE_ID',
};

export interface Workload {
  /** Object name: `<release>-<stage>` or `<release>-agent-<pool>`. */
  readonly name: string;
  /** The service it runs (`services/<service>`). */
  readonly service: Stage | 'agent';
  readonly role: Role;
  /** StatefulSet when each pod is its own NATS user (its pod name is its id). */
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly replicas: number;
  readonly maxReplicas: number;
  readonly autoscaling: Autoscaling;
  /** The NATS users of its pods (one, or one per possible pod). */
  readonly users: readonly Principal[];
  readonly pool?: PoolValues;
  /** Options fixed by the workload itself (a balancer shard's `ADAGEN_SHARD`), over the stage's. */
  readonly env?: Readonly<Record<string, string>>;
}

export function maxReplicasOf(replicas: number, autoscaling: Autoscaling): number {
  return autoscaling.type === 'none' ? replicas : Math.max(replicas, autoscaling.maxReplicas);
}

function workload(
  name: string,
  service: Stage | 'agent',
  replicas: number,
  autoscaling: Autoscaling,
  pool?: PoolValues,
  env?: Readonly<Record<string, string>>,
): Workload {
  const role = roleOf(service);
  const maxReplicas = maxReplicasOf(replicas, autoscaling);
  const perPod = isRoleWithId(role);
  const users = perPod
    ? Array.from({ length: maxReplicas }, (_, i) => principal(role, `${name}-${i}`))
    : [principal(role)];
  return {
    name,
    service,
    role,
    kind: perPod ? 'StatefulSet' : 'Deployment',
    replicas,
    maxReplicas,
    autoscaling,
    users,
    ...(pool === undefined ? {} : { pool }),
    ...(env === undefined ? {} : { env }),
  };
}

/** The balancer's workloads: one, or one per shard (`balancerShards`). */
function balancerWorkloads(values: Values): Workload[] {
  const { replicas, autoscaling } = values.balancer;
  const name = `${values.release}-balancer`;
  const shards = values.balancerShards;
  if (shards === 1) return [workload(name, 'balancer', replicas, autoscaling)];
  return Array.from({ length: shards }, (_, k) =>
    workload(`${name}-s${k}`, 'balancer', replicas, autoscaling, undefined, {
      ADAGEN_SHARDS: String(shards),
      ADAGEN_SHARD: String(k),
    }),
  );
}

/** Every workload of the fleet: the stages, then one per GPU pool. */
export function workloadsOf(values: Values): Workload[] {
  return [
    ...STAGES.flatMap((s) =>
      s === 'balancer'
        ? balancerWorkloads(values)
        : [workload(`${values.release}-${s}`, s, values[s].replicas, values[s].autoscaling)],
    ),
    ...values.pools.map((p) =>
      workload(`${values.release}-agent-${p.name}`, 'agent', p.replicas, p.autoscaling, p),
    ),
  ];
}

/** The `@adagen/natsconf` fleet description of these workloads. */
export function fleetSpecOf(values: Values, workloads: readonly Workload[]): FleetSpec {
  const ids = (role: Role) =>
    workloads
      .flatMap((w) => w.users)
      .filter((u) => u.role === role)
      .map((u) => ('id' in u ? u.id : u.name));
  return parseFleetSpec({
    account: 'ADAGEN',
    gateways: ids('gateway'),
    balancers: ids('balancer'),
    agents: ids('agent'),
    observer: workloads.some((w) => w.role === 'observer'),
    admin: false,
    auth: 'nkey',
    inboxes: values.nats.inboxes,
    ...(values.nats.tls === undefined
      ? {}
      : {
          tls: {
            certFile: '/etc/nats/tls/tls.crt',
            keyFile: '/etc/nats/tls/tls.key',
            caFile: '/etc/nats/tls/ca.crt',
            verifyClients: values.nats.tls.verifyClients,
          },
        }),
  });
}

/** A pod's principal, its id written `$(POD_NAME)` as Kubernetes expands it in variables. */
export function podPrincipal(w: Workload): Principal {
  return isRoleWithId(w.role) ? principal(w.role, '$(POD_NAME)') : principal(w.role);
}
