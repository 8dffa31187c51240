/** What `adagen up` starts: one group per step, in start order, each child with its settings. */
import { AUTOSCALE_DRAIN_GRACE_MS } from './autoscale.js';
import type { ChildSpec } from './children.js';

export interface UpFlags {
  readonly agents: number;
  readonly profile: string;
  readonly policy: string;
  readonly replicas: number;
  /** The balancer replicas as shards, each following and placing on its share of the agents. */
  readonly sharded?: boolean;
  readonly port: number;
  readonly host: string;
  readonly timeScale: number;
  readonly logLevel: string;
  readonly maxModelLen?: number;
  /** The agents' engines cache prompt prefixes (default: the backend's). */
  readonly prefixCaching?: boolean;
  /** Balancers' admission control (`slo`, `strict` or `off`). */
  readonly admission: string;
  /** The agents' engine: `sim`, `llama` or `http`. */
  readonly backend: 'sim' | 'llama' | 'http';
  /** `http`: one engine URL per agent. */
  readonly engineUrls?: readonly string[];
  /** `llama`: the GGUF model every agent loads. */
  readonly modelFile?: string;
  /** The dashboard's HTTP port (0: a free one). */
  readonly dashboardPort?: number;
  /** `--autoscale MIN..MAX`: a recommender, and agents that drain as long as they must. */
  readonly autoscale?: { readonly min: number; readonly max: number; readonly windowS: number };
}

export async function fleetSpecs(
  flags: UpFlags,
  natsUrl: string,
  clockOriginMs: number,
  freePort: () => Promise<number>,
): Promise<ChildSpec[][]> {
  const common = {
    ADAGEN_NATS_SERVERS: natsUrl,
    ADAGEN_TIME_SCALE: String(flags.timeScale),
    ADAGEN_CLOCK_ORIGIN_MS: String(clockOriginMs),
    ADAGEN_POLICY: flags.policy,
    ADAGEN_HTTP_HOST: '127.0.0.1',
  };
  const spec = async (
    service: ChildSpec['service'],
    label: string,
    extra: Record<string, string> = {},
    port?: number,
  ): Promise<ChildSpec> => {
    const httpPort = port ?? (await freePort());
    return {
      service,
      label,
      httpPort,
      env: { ...common, ADAGEN_HTTP_PORT: String(httpPort), ...extra },
    };
  };
  const many = async (
    service: ChildSpec['service'],
    n: number,
    extra: (i: number) => Record<string, string>,
  ) => {
    const out: ChildSpec[] = [];
    for (let i = 0; i < n; i++) out.push(await spec(service, `${service}-${i}`, extra(i)));
    return out;
  };
  const agents = await many('agent', flags.agents, (i) => ({
    ADAGEN_INSTANCE_ID: `agent-${i}`,
    ADAGEN_PROFILE: flags.profile,
    ADAGEN_BACKEND: flags.backend,
    ...(flags.modelFile === undefined ? {} : { ADAGEN_MODEL_FILE: flags.modelFile }),
    ...(flags.engineUrls?.[i] === undefined ? {} : { ADAGEN_ENGINE_URL: flags.engineUrls[i] }),
    ...(flags.autoscale === undefined
      ? {}
      : { ADAGEN_DRAIN_GRACE_MS: String(AUTOSCALE_DRAIN_GRACE_MS) }),
    ...(flags.maxModelLen === undefined ? {} : { ADAGEN_MAX_MODEL_LEN: String(flags.maxModelLen) }),
    ...(flags.prefixCaching === undefined
      ? {}
      : { ADAGEN_ENGINE_PREFIX_CACHING: String(flags.prefixCaching) }),
  }));
  const balancers = await many('balancer', flags.replicas, (i) => ({
    ADAGEN_BALANCER_ID: `bal-${i}`,
    ADAGEN_ADMISSION: flags.admission,
    ...(flags.sharded === true
      ? { ADAGEN_SHARDS: String(flags.replicas), ADAGEN_SHARD: String(i) }
      : {}),
  }));
  const gateway = await spec(
    'gateway',
    'gateway-0',
    { ADAGEN_GATEWAY_ID: 'gw-0', ADAGEN_HTTP_HOST: flags.host },
    flags.port,
  );
  const metricsOf = (s: ChildSpec) => `http://127.0.0.1:${s.httpPort}/metrics`;
  const a = flags.autoscale;
  const recommender =
    a === undefined
      ? undefined
      : await spec('recommender', 'recommender-0', {
          ADAGEN_MIN_INSTANCES: String(a.min),
          ADAGEN_MAX_INSTANCES: String(a.max),
          // The window in fleet ms, so it lasts `windowS` wall seconds at any --time-scale.
          ADAGEN_WINDOW_MS: String(Math.round(a.windowS * 1000 * flags.timeScale)),
          ADAGEN_PROFILE: flags.profile,
        });
  // The dashboard reads shed counts from the balancers and deadline failures from the gateway.
  const dashboard = await spec(
    'dashboard',
    'dashboard-0',
    {
      ADAGEN_HTTP_HOST: flags.host,
      ADAGEN_METRICS_URLS: [...balancers, gateway].map(metricsOf).join(','),
      ...(recommender === undefined ? {} : { ADAGEN_RECOMMENDER_URL: metricsOf(recommender) }),
    },
    flags.dashboardPort === undefined || flags.dashboardPort === 0
      ? undefined
      : flags.dashboardPort,
  );
  return [
    agents,
    await many('planner', flags.replicas, (i) => ({ ADAGEN_PLANNER_ID: `plan-${i}` })),
    balancers,
    await many('classifier', flags.replicas, () => ({})),
    [await spec('estimator', 'estimator-0')],
    [gateway],
    ...(recommender === undefined ? [] : [[recommender]]),
    [dashboard],
  ];
}
