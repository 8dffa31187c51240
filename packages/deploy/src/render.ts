/**
 * `renderFleet(values, seeds)`: every Kubernetes object of an AdaGen fleet, each validated against
 * its schema (kubernetes-models; KEDA's for ScaledObjects). Pure: the nkey seeds come in.
 */
import { usersOf } from '@adagen/natsconf';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Service } from 'kubernetes-models/v1/Service';
import { HTTP_PORT_NAME } from './containers.js';
import { natsObjects } from './nats.js';
import type { Seeds } from './nats.js';
import type { K8sObject } from './objects.js';
import { meta, selectorOf } from './objects.js';
import { fleetSpecOf, workloadsOf } from './topology.js';
import type { Workload } from './topology.js';
import type { Values } from './values.js';
import { workloadObjects } from './workloads.js';

/** The NATS users a fleet needs seeds for, in a stable order. */
export function natsUsersOf(values: Values): string[] {
  return usersOf(fleetSpecOf(values, workloadsOf(values))).map((u) => u.name);
}

function gatewayService(values: Values): K8sObject {
  const name = `${values.release}-gateway`;
  return new Service({
    metadata: { ...meta(values, `${name}-api`) },
    spec: {
      type: values.gatewayService.type,
      selector: selectorOf(values, name),
      ports: [{ name: 'http', port: values.gatewayService.port, targetPort: HTTP_PORT_NAME }],
    },
  });
}

/** The observers' own Services: the dashboard's page, the recommender's `/metrics`. */
function observerService(values: Values, w: Workload): K8sObject {
  return new Service({
    metadata: meta(values, w.name),
    spec: {
      selector: selectorOf(values, w.name),
      ports: [{ name: 'http', port: values.httpPort, targetPort: HTTP_PORT_NAME }],
    },
  });
}

/** A pool's pods take traffic only on the agent's port; the engine is for the agent alone. */
function poolPolicy(values: Values, w: Workload): K8sObject {
  return new NetworkPolicy({
    metadata: meta(values, w.name),
    spec: {
      podSelector: { matchLabels: selectorOf(values, w.name) },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ port: HTTP_PORT_NAME, protocol: 'TCP' }] }],
    },
  });
}

export function renderFleet(values: Values, seeds: Seeds): K8sObject[] {
  const workloads = workloadsOf(values);
  const fleet = fleetSpecOf(values, workloads);
  const objects: K8sObject[] = [
    ...natsObjects(values, fleet, workloads, seeds),
    ...workloads.flatMap((w) => workloadObjects(values, w)),
    gatewayService(values),
    ...workloads.filter((w) => w.role === 'observer').map((w) => observerService(values, w)),
    ...workloads.filter((w) => w.pool?.engine.type === 'vllm').map((w) => poolPolicy(values, w)),
  ];
  for (const o of objects) {
    try {
      o.validate();
    } catch (error) {
      throw new Error(`${o.kind} ${o.metadata?.name ?? '?'} does not validate: ${String(error)}`, {
        cause: error,
      });
    }
  }
  return objects;
}
