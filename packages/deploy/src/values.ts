/**
 * The values file `adagen deploy render --values <file>` reads (YAML or JSON). Every field has a
 * default except the GPU pools; `parseValues` names the bad field on error.
 */
import { z } from 'zod';

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/, {
  error: 'expected a DNS label of 1-20 characters',
});
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, {
  error: 'expected a Kubernetes quantity such as "500m", "2", "512Mi"',
});

const resourcesSchema = z.object({
  /** @default { cpu: "250m", memory: "256Mi" } */
  requests: z.record(z.string(), quantity).default({ cpu: '250m', memory: '256Mi' }),
  /** @default { memory: "1Gi" } (no CPU limit: throttling hurts decision latency) */
  limits: z.record(z.string(), quantity).default({ memory: '1Gi' }),
});

/** How a stage or a pool scales. */
const autoscalingSchema = z.discriminatedUnion('type', [
  /** A fixed replica count. */
  z.object({ type: z.literal('none') }),
  /** HorizontalPodAutoscaler on CPU utilisation (of the requests). */
  z.object({
    type: z.literal('hpa'),
    maxReplicas: z.int().min(1).max(100),
    /** @default 70 */
    cpuPercent: z.int().min(1).max(100).default(70),
  }),
  /** KEDA ScaledObject on a Prometheus query (one replica per `threshold` of its value). */
  z.object({
    type: z.literal('keda'),
    maxReplicas: z.int().min(1).max(100),
    /** @default "http://prometheus-server.monitoring.svc:80" */
    prometheus: z.url().default('http://prometheus-server.monitoring.svc:80'),
    /** PromQL; `$NAMESPACE` and `$WORKLOAD` are replaced. @default per stage (docs/DEPLOY.md) */
    query: z.string().min(1).optional(),
    threshold: z.number().positive(),
  }),
]);
export type Autoscaling = z.infer<typeof autoscalingSchema>;

const stage = (replicas: number, autoscaling: z.input<typeof autoscalingSchema>) =>
  z
    .object({
      /** Replicas at start (the autoscaler's minimum). */
      replicas: z.int().min(1).max(100).default(replicas),
      resources: resourcesSchema.prefault({}),
      autoscaling: autoscalingSchema.prefault(autoscaling),
      /** Extra `ADAGEN_*` options for this stage (checked against its config by the tests). */
      env: z.record(z.string().regex(/^ADAGEN_[A-Z0-9_]+$/), z.string()).default({}),
    })
    .prefault({});

/** An observer (dashboard, recommender): fixed replicas or CPU autoscaling (no load query of its own). */
const observerStage = (replicas: number) =>
  z
    .object({
      replicas: z.int().min(1).max(100).default(replicas),
      resources: resourcesSchema.prefault({}),
      autoscaling: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('none') }),
          z.object({
            type: z.literal('hpa'),
            maxReplicas: z.int().min(1).max(100),
            cpuPercent: z.int().min(1).max(100).default(70),
          }),
        ])
        .prefault({ type: 'none' }),
      env: z.record(z.string().regex(/^ADAGEN_[A-Z0-9_]+$/), z.string()).default({}),
    })
    .prefault({});

const engineSchema = z.discriminatedUnion('type', [
  /** The agent's simulated engine (no GPU; demos and CPU-only clusters). */
  z.object({ type: z.literal('sim') }),
  /** An OpenAI-compatible engine beside the agent in the pod (vLLM's image by default). */
  z.object({
    type: z.literal('vllm'),
    /** @default "vllm/vllm-openai:v0.10.1" */
    image: z.string().min(1).default('vllm/vllm-openai:v0.10.1'),
    /** @default the fleet's first model */
    model: z.string().min(1).optional(),
    /** @default 8000 */
    port: z.int().min(1).max(65_535).default(8000),
    /** Extra engine arguments. */
    args: z.array(z.string()).default([]),
    /** GPUs per instance. @default 1 */
    gpus: z.int().min(1).max(16).default(1),
    /** @default "nvidia.com/gpu" */
    gpuResource: z.string().min(1).default('nvidia.com/gpu'),
    resources: resourcesSchema.default({
      requests: { cpu: '4', memory: '32Gi' },
      limits: { memory: '64Gi' },
    }),
  }),
]);

const poolSchema = z.object({
  /** Pool name (in the StatefulSet's name and every agent id). */
  name,
  /** Latency profile the agent starts from (`a100`, `h100`, a name). */
  profile: z.string().min(1),
  replicas: z.int().min(1).max(100),
  engine: engineSchema,
  autoscaling: autoscalingSchema.prefault({ type: 'none' }),
  agentResources: resourcesSchema.prefault({}),
  nodeSelector: z.record(z.string(), z.string()).default({}),
  tolerations: z
    .array(
      z.object({
        key: z.string(),
        operator: z.enum(['Equal', 'Exists']).default('Exists'),
        value: z.string().optional(),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
      }),
    )
    .default([]),
  env: z.record(z.string().regex(/^ADAGEN_[A-Z0-9_]+$/), z.string()).default({}),
});
export type PoolValues = z.infer<typeof poolSchema>;

export const valuesSchema = z
  .object({
    /** Prefix of every object's name. @default "adagen" */
    release: name.default('adagen'),
    /** @default "adagen" */
    namespace: name.default('adagen'),
    /** The AdaGen image (`bash infra/images/build.sh adagen`). */
    image: z
      .object({
        repository: z.string().min(1).default('adagen/adagen'),
        tag: z.string().min(1).default('local'),
        pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
      })
      .prefault({}),
    /** Models the gateway serves. */
    models: z.array(z.string().min(1)).min(1).default(['meta-llama/Meta-Llama-3-8B-Instruct']),
    /** The scheduling policy and its SLOs, for the stages that decide (classifier to estimator). */
    policy: z
      .object({
        /** @default "adagen" */
        name: z.string().min(1).default('adagen'),
        /** @default 0 */
        seed: z.int().min(0).default(0),
        /** @default "5x:250" */
        sloTtft: z.string().min(1).default('5x:250'),
        /** @default "5x:50" */
        sloTpot: z.string().min(1).default('5x:50'),
      })
      .prefault({}),
    /** @default "info" */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** Port of every service's HTTP (`/healthz`, `/readyz`, `/metrics`; the API on the gateway). */
    httpPort: z.int().min(1).max(65_535).default(8080),
    /** In-flight work may finish this long on SIGTERM (pods get 5 s more). @default 10000 */
    drainGraceMs: z.int().min(0).max(600_000).default(10_000),
    gateway: stage(2, { type: 'keda', maxReplicas: 6, threshold: 256 }),
    classifier: stage(2, { type: 'hpa', maxReplicas: 8 }),
    balancer: stage(2, { type: 'hpa', maxReplicas: 6 }),
    /**
     * Balancer shards: with N > 1 the agents are split among N shards (by rank in id order),
     * each a StatefulSet `<release>-balancer-s<k>` with the balancer's replicas and autoscaling,
     * whose pods follow and place on their shard's agents only (docs/PERFORMANCE.md, "Balancer
     * shards": for fleets of tens of agents per shard; small fleets lose balance). @default 1
     */
    balancerShards: z.int().min(1).max(16).default(1),
    planner: stage(2, { type: 'hpa', maxReplicas: 6 }),
    estimator: stage(1, { type: 'hpa', maxReplicas: 4 }),
    /** The live dashboard (its page on `httpPort`, Service `<release>-dashboard`). */
    dashboard: observerStage(1),
    /** `adagen_recommended_instances` for KEDA / HPA (Service `<release>-recommender`). */
    recommender: observerStage(1),
    /** The gateway's Service. @default ClusterIP on port 80 */
    gatewayService: z
      .object({
        type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
        port: z.int().min(1).max(65_535).default(80),
      })
      .prefault({}),
    pools: z.array(poolSchema).min(1),
    nats: z
      .object({
        /** @default "adagen/nats-server:local" (or e.g. the official "nats:2.10-alpine") */
        image: z.string().min(1).default('adagen/nats-server:local'),
        /** The server binary in that image. @default "/usr/sbin/nats-server" (official alpine: /usr/local/bin/nats-server) */
        binary: z.string().min(1).default('/usr/sbin/nats-server'),
        /** Cluster nodes. @default 3 */
        replicas: z.int().min(1).max(9).default(3),
        /** @default true */
        jetstream: z.boolean().default(true),
        /** JetStream volume per node. @default "10Gi" */
        storage: quantity.default('10Gi'),
        /** @default none (the cluster's default StorageClass) */
        storageClassName: z.string().min(1).optional(),
        /** Private reply inboxes per user (`_INBOX.<user>.>`). @default "shared" */
        inboxes: z.enum(['shared', 'private']).default('shared'),
        /** TLS for clients: a Secret with tls.crt, tls.key and ca.crt. @default none */
        tls: z
          .object({ secretName: z.string().min(1), verifyClients: z.boolean().default(false) })
          .optional(),
        resources: resourcesSchema.default({
          requests: { cpu: '250m', memory: '256Mi' },
          limits: { memory: '1Gi' },
        }),
      })
      .prefault({}),
  })
  .refine((v) => new Set(v.pools.map((p) => p.name)).size === v.pools.length, {
    error: 'expected distinct pool names',
    path: ['pools'],
  });
export type Values = z.infer<typeof valuesSchema>;
export type ValuesInput = z.input<typeof valuesSchema>;

/** Parses values; the error names every bad field by its path. */
export function parseValues(input: unknown): Values {
  const parsed = valuesSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid values: ${issues.join('; ')}`);
}
