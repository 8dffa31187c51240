/**
 * The objects of one workload: its Deployment or StatefulSet (a GPU pool's pods hold the agent
 * beside its engine), a headless Service for StatefulSets, a PodDisruptionBudget, and its
 * autoscaler (HorizontalPodAutoscaler or KEDA ScaledObject).
 */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Service } from 'kubernetes-models/v1/Service';
import { adagenContainer, adagenVolumes, scrapeAnnotations } from './containers.js';
import { engineContainer, engineEnv, engineVolumes } from './engine.js';
import type { K8sObject } from './objects.js';
import { labelsOf, meta, selectorOf } from './objects.js';
import type { Workload } from './topology.js';
import type { Values } from './values.js';

/** Default scaling queries (`$NAMESPACE`, `$WORKLOAD` replaced): load per replica. */
const DEFAULT_QUERY: Readonly<Partial<Record<Workload['service'], string>>> = {
  gateway: 'sum(adagen_gateway_in_flight{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
  classifier: 'sum(adagen_endpoint_in_flight{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
  balancer: 'sum(adagen_endpoint_in_flight{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
  planner: 'sum(adagen_endpoint_in_flight{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
  estimator: 'sum(adagen_endpoint_in_flight{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
  agent: 'sum(adagen_agent_queue_depth{namespace="$NAMESPACE",pod=~"$WORKLOAD-.*"})',
};

function podSpec(values: Values, w: Workload): IPodSpec {
  const pool = w.pool;
  const stageValues = w.service === 'agent' ? undefined : values[w.service];
  const agentEnv = pool === undefined ? {} : { ...engineEnv(values, pool), ...pool.env };
  const adagen = adagenContainer(values, w, {
    resources: pool?.agentResources ?? stageValues?.resources ?? { requests: {}, limits: {} },
    env: { ...(stageValues?.env ?? agentEnv), ...w.env },
  });
  const engine = pool === undefined ? undefined : engineContainer(values, pool);
  const containers: IContainer[] = engine === undefined ? [adagen] : [engine, adagen];
  return {
    containers,
    volumes: [...adagenVolumes(values, w), ...(pool === undefined ? [] : engineVolumes(pool))],
    // SIGTERM drains (no new work, in flight finishes within the grace); then 5 s to exit.
    terminationGracePeriodSeconds: Math.ceil(values.drainGraceMs / 1000) + 5,
    automountServiceAccountToken: false,
    securityContext: { fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    ...(pool === undefined
      ? {}
      : {
          ...(Object.keys(pool.nodeSelector).length === 0
            ? {}
            : { nodeSelector: pool.nodeSelector }),
          ...(pool.tolerations.length === 0 ? {} : { tolerations: pool.tolerations }),
        }),
  };
}

function controller(values: Values, w: Workload): K8sObject {
  const template = {
    metadata: { labels: labelsOf(values, w.name), annotations: scrapeAnnotations(values) },
    spec: podSpec(values, w),
  };
  const selector = { matchLabels: selectorOf(values, w.name) };
  if (w.kind === 'Deployment')
    return new Deployment({
      metadata: meta(values, w.name),
      spec: {
        replicas: w.replicas,
        selector,
        template,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      },
    });
  return new StatefulSet({
    metadata: meta(values, w.name),
    spec: {
      replicas: w.replicas,
      serviceName: w.name,
      // Pods are independent (their ids matter, their order does not): start and stop together.
      podManagementPolicy: 'Parallel',
      selector,
      template,
    },
  });
}

function autoscaler(values: Values, w: Workload): K8sObject | undefined {
  const a = w.autoscaling;
  const target = {
    apiVersion: 'apps/v1',
    kind: w.kind,
    name: w.name,
  };
  switch (a.type) {
    case 'none':
      return undefined;
    case 'hpa':
      return new HorizontalPodAutoscaler({
        metadata: meta(values, w.name),
        spec: {
          scaleTargetRef: target,
          minReplicas: w.replicas,
          maxReplicas: w.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: a.cpuPercent },
              },
            },
          ],
        },
      });
    case 'keda': {
      const query = (a.query ?? DEFAULT_QUERY[w.service] ?? '')
        .replaceAll('$NAMESPACE', values.namespace)
        .replaceAll('$WORKLOAD', w.name);
      return new ScaledObject({
        metadata: meta(values, w.name),
        spec: {
          scaleTargetRef: target,
          minReplicaCount: w.replicas,
          maxReplicaCount: w.maxReplicas,
          triggers: [
            {
              type: 'prometheus',
              metadata: { serverAddress: a.prometheus, query, threshold: String(a.threshold) },
            },
          ],
        },
      });
    }
  }
}

/** Every object of one workload. */
export function workloadObjects(values: Values, w: Workload): K8sObject[] {
  const objects: K8sObject[] = [controller(values, w)];
  if (w.kind === 'StatefulSet')
    objects.push(
      new Service({
        metadata: meta(values, w.name),
        spec: {
          clusterIP: 'None',
          selector: selectorOf(values, w.name),
          ports: [{ name: 'http', port: values.httpPort, targetPort: 'http' }],
        },
      }),
    );
  objects.push(
    new PodDisruptionBudget({
      metadata: meta(values, w.name),
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorOf(values, w.name) } },
    }),
  );
  const scaler = autoscaler(values, w);
  if (scaler !== undefined) objects.push(scaler);
  return objects;
}
