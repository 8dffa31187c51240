/**
 * The AdaGen container of a pod: `node services/<service>/dist/main.js` in the AdaGen image, its
 * options as `ADAGEN_*` variables, its NATS credentials mounted from a Secret, the ops HTTP port
 * with `/healthz` (liveness) and `/readyz` (readiness) probes, resources and a locked-down
 * security context.
 */
import { inboxPrefixFor } from '@adagen/natsconf';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { ID_ENV, podPrincipal, workloadsOf } from './topology.js';
import type { Workload } from './topology.js';
import type { Values } from './values.js';

/** Where the image keeps the workspace, and the node binary (infra/images/build.sh). */
export const APP_DIR = '/app';
export const NODE_BIN = '/usr/bin/node';
/** Where a pod's nkey seeds are mounted. */
export const SEED_DIR = '/etc/adagen/nats';
/** Where the NATS CA is mounted when TLS is on. */
export const NATS_CA_DIR = '/etc/adagen/nats-ca';
export const HTTP_PORT_NAME = 'http';
export const PROBES = { liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' } as const;

/** The Secret holding a workload's seeds. */
export const seedSecretName = (w: Workload): string => `${w.name}-nats-user`;

export function natsUrls(values: Values): string {
  const scheme = values.nats.tls === undefined ? 'nats' : 'tls';
  return `${scheme}://${values.release}-nats.${values.namespace}.svc:4222`;
}

/** The stages that run a policy step, or simulate one (and take its options). */
const DECIDING: ReadonlySet<string> = new Set([
  'classifier',
  'balancer',
  'planner',
  'estimator',
  'recommender',
]);

/**
 * `/metrics` of every possible pod of a per-id stage (each of its workloads' headless Services
 * names each pod; the balancer has one workload per shard).
 */
function podMetricsUrls(values: Values, stage: 'gateway' | 'balancer'): string[] {
  return workloadsOf(values)
    .filter((w) => w.service === stage)
    .flatMap((w) =>
      Array.from(
        { length: w.maxReplicas },
        (_, i) =>
          `http://${w.name}-${i}.${w.name}.${values.namespace}.svc:${values.httpPort}${PROBES.metrics}`,
      ),
    );
}

/** The dashboard's sources: balancers' shed and gateways' deadline counters, the recommender. */
function dashboardVars(values: Values): Record<string, string> {
  const recommender = `${values.release}-recommender`;
  return {
    ADAGEN_SLO_TTFT: values.policy.sloTtft,
    ADAGEN_SLO_TPOT: values.policy.sloTpot,
    ADAGEN_METRICS_URLS: [
      ...podMetricsUrls(values, 'balancer'),
      ...podMetricsUrls(values, 'gateway'),
    ].join(','),
    ADAGEN_RECOMMENDER_URL: `http://${recommender}.${values.namespace}.svc:${values.httpPort}${PROBES.metrics}`,
  };
}

function envList(vars: Readonly<Record<string, string>>): IEnvVar[] {
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

/** The container's variables: pod name first (later values refer to it as `$(POD_NAME)`). */
function adagenEnv(
  values: Values,
  w: Workload,
  extra: Readonly<Record<string, string>>,
): IEnvVar[] {
  const pod = podPrincipal(w);
  const vars: Record<string, string> = {
    ADAGEN_NATS_SERVERS: natsUrls(values),
    ADAGEN_NATS_NAME: '$(POD_NAME)',
    ADAGEN_NATS_NKEY_SEED_FILE: `${SEED_DIR}/${pod.name}.nk`,
    ADAGEN_LOG_LEVEL: values.logLevel,
    ADAGEN_HTTP_HOST: '0.0.0.0',
    ADAGEN_HTTP_PORT: String(values.httpPort),
    ADAGEN_DRAIN_GRACE_MS: String(values.drainGraceMs),
  };
  const idEnv = ID_ENV[w.service];
  if (idEnv !== undefined) vars[idEnv] = '$(POD_NAME)';
  if (values.nats.inboxes === 'private') vars.ADAGEN_NATS_INBOX_PREFIX = inboxPrefixFor(pod);
  if (values.nats.tls !== undefined) vars.ADAGEN_NATS_TLS_CA_FILE = `${NATS_CA_DIR}/ca.crt`;
  if (w.service === 'gateway') vars.ADAGEN_MODELS = values.models.join(',');
  if (w.service === 'dashboard') Object.assign(vars, dashboardVars(values));
  if (DECIDING.has(w.service))
    Object.assign(vars, {
      ADAGEN_POLICY: values.policy.name,
      ADAGEN_SEED: String(values.policy.seed),
      ADAGEN_SLO_TTFT: values.policy.sloTtft,
      ADAGEN_SLO_TPOT: values.policy.sloTpot,
    });
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...envList({ ...vars, ...extra }),
  ];
}

export function adagenContainer(
  values: Values,
  w: Workload,
  options: { resources: Values['gateway']['resources']; env: Readonly<Record<string, string>> },
): IContainer {
  return {
    name: w.service === 'agent' ? 'agent' : w.service,
    image: `${values.image.repository}:${values.image.tag}`,
    imagePullPolicy: values.image.pullPolicy,
    command: [NODE_BIN],
    args: [`services/${w.service}/dist/main.js`],
    workingDir: APP_DIR,
    env: adagenEnv(values, w, options.env),
    ports: [{ name: HTTP_PORT_NAME, containerPort: values.httpPort, protocol: 'TCP' }],
    livenessProbe: {
      httpGet: { path: PROBES.liveness, port: HTTP_PORT_NAME },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: PROBES.readiness, port: HTTP_PORT_NAME },
      periodSeconds: 5,
      failureThreshold: 2,
    },
    resources: options.resources,
    volumeMounts: [
      { name: 'nats-user', mountPath: SEED_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(values.nats.tls === undefined
        ? []
        : [{ name: 'nats-ca', mountPath: NATS_CA_DIR, readOnly: true }]),
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** The volumes an AdaGen container mounts. */
export function adagenVolumes(values: Values, w: Workload): IVolume[] {
  return [
    { name: 'nats-user', secret: { secretName: seedSecretName(w), defaultMode: 0o440 } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ...(values.nats.tls === undefined
      ? []
      : [
          {
            name: 'nats-ca',
            secret: {
              secretName: values.nats.tls.secretName,
              items: [{ key: 'ca.crt', path: 'ca.crt' }],
            },
          },
        ]),
  ];
}

/** Prometheus scrape annotations of a pod. */
export function scrapeAnnotations(values: Values): Record<string, string> {
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(values.httpPort),
    'prometheus.io/path': PROBES.metrics,
  };
}
