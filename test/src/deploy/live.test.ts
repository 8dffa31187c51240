/**
 * The GPU-less manifests (infra/k8s/values.sim.yaml) run: every pod of every workload started
 * in-process from its container's variables as Kubernetes would set them (only the NATS address,
 * the ops port, the seed file's path and the log level replaced for this machine), each service
 * connecting as the NATS user its Secret holds, against a nats-server running the generated auth
 * config with its least-privilege permissions. Every pod's probes answer on the paths the
 * manifests name, and a completion is served end to end through the gateway.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_AUTH_KEY } from '@adagen/deploy';
import { parseConfig } from '@adagen/runtime';
import type { ServiceRuntime } from '@adagen/runtime';
import { agentConfigSchema, startAgent } from '@adagen/svc-agent';
import { balancerConfigSchema, startBalancer } from '@adagen/svc-balancer';
import type { BalancerRuntime } from '@adagen/svc-balancer';
import { classifierConfigSchema, startClassifier } from '@adagen/svc-classifier';
import { dashboardConfigSchema, startDashboard } from '@adagen/svc-dashboard';
import { estimatorConfigSchema, startEstimator } from '@adagen/svc-estimator';
import { gatewayConfigSchema, startGateway } from '@adagen/svc-gateway';
import type { GatewayRuntime } from '@adagen/svc-gateway';
import { plannerConfigSchema, startPlanner } from '@adagen/svc-planner';
import { recommenderConfigSchema, startRecommender } from '@adagen/svc-recommender';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../natsServer.js';
import { expandedEnv, podName, renderValuesFile, secretFileAt, serviceOf } from './manifests.js';

type Starter = (env: Record<string, string>) => Promise<ServiceRuntime>;

const STARTERS: Readonly<Record<string, Starter>> = {
  gateway: (env) => startGateway(parseConfig(gatewayConfigSchema, { env })),
  classifier: (env) => startClassifier(parseConfig(classifierConfigSchema, { env })),
  balancer: (env) => startBalancer(parseConfig(balancerConfigSchema, { env })),
  planner: (env) => startPlanner(parseConfig(plannerConfigSchema, { env })),
  estimator: (env) => startEstimator(parseConfig(estimatorConfigSchema, { env })),
  agent: (env) => startAgent(parseConfig(agentConfigSchema, { env })),
  dashboard: (env) => startDashboard(parseConfig(dashboardConfigSchema, { env })),
  recommender: (env) => startRecommender(parseConfig(recommenderConfigSchema, { env })),
};

async function get(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status;
}

describe('the GPU-less manifests run as rendered', () => {
  it('every pod starts as its NATS user, answers its probes, and a completion is served', async () => {
    const r = renderValuesFile('values.sim.yaml');
    const auth = r.secrets.get(`${r.values.release}-nats-auth`)?.[NATS_AUTH_KEY];
    expect(auth).toBeDefined();
    await using nats = await startNatsServer({ config: auth ?? '' });
    const seedDir = await mkdtemp(join(tmpdir(), 'adagen-deploy-seeds-'));
    const started: Array<{ pod: string; rt: ServiceRuntime; probes: string[] }> = [];
    try {
      // Agents first, gateway last, as the controllers come up in any order on a cluster but
      // the fleet is only useful once every stage is there.
      const order = [
        'agent',
        'estimator',
        'planner',
        'balancer',
        'classifier',
        'gateway',
        'recommender',
        'dashboard',
      ];
      const pods = r.controllers
        .flatMap((c) => c.spec.template.spec.containers.map((container) => ({ c, container })))
        .filter(({ container }) => serviceOf(container) !== undefined)
        .sort(
          (a, b) =>
            order.indexOf(serviceOf(a.container) ?? '') -
            order.indexOf(serviceOf(b.container) ?? ''),
        );
      for (const { c, container } of pods) {
        const service = serviceOf(container) ?? '';
        for (let ordinal = 0; ordinal < c.spec.replicas; ordinal++) {
          const pod = podName(c, ordinal);
          const env = expandedEnv(container, pod);
          const file = secretFileAt(c, container, env.ADAGEN_NATS_NKEY_SEED_FILE ?? '');
          const seed = r.secrets.get(file?.secret ?? '')?.[file?.key ?? ''];
          expect(seed, `${pod}: its seed`).toBeDefined();
          const seedFile = join(seedDir, `${pod}.nk`);
          await writeFile(seedFile, seed ?? '', { mode: 0o600 });
          const starter = STARTERS[service];
          if (starter === undefined) throw new Error(`no starter for ${service}`);
          const rt = await starter({
            ...env,
            ADAGEN_NATS_SERVERS: nats.url,
            ADAGEN_NATS_NKEY_SEED_FILE: seedFile,
            ADAGEN_HTTP_HOST: '127.0.0.1',
            ADAGEN_HTTP_PORT: '0',
            ADAGEN_LOG_LEVEL: 'silent',
            ADAGEN_DRAIN_GRACE_MS: '1000',
          });
          const probes = [container.livenessProbe, container.readinessProbe].map(
            (p) => p?.httpGet.path ?? '(none)',
          );
          started.push({ pod, rt, probes });
        }
      }
      // The gateway serves its probes beside the API; the others on their ops server.
      const base = (rt: ServiceRuntime) => rt.http?.url ?? (rt as GatewayRuntime).url;
      for (const { pod, rt, probes } of started) {
        for (const path of probes)
          expect(await get(`${base(rt)}${path}`), `${pod} ${path}`).toBe(200);
        expect(await get(`${base(rt)}/no-such-probe`), `${pod}: unknown paths`).toBe(404);
      }

      const agents = started.filter((s) => s.pod.includes('-agent-')).length;
      const balancers = started.filter((s) => s.pod.includes('-balancer-'));
      const until = Date.now() + 15_000;
      while (balancers.some((b) => (b.rt as BalancerRuntime).view.size < agents)) {
        if (Date.now() > until) throw new Error(`balancers never saw the ${agents} agents`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const gateway = started.find((s) => s.pod.includes('-gateway-'))?.rt as GatewayRuntime;
      // A fleet that has just come up may shed the first request (429 + Retry-After: its
      // snapshots are not warm yet); a client retries after the time it is told.
      const send = () =>
        fetch(`${gateway.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: r.values.models[0],
            prompt: 'deployed as rendered',
            max_tokens: 8,
            ignore_eos: true,
          }),
          signal: AbortSignal.timeout(30_000),
        });
      let res = await send();
      for (let retry = 0; res.status === 429 && retry < 5; retry++) {
        await res.arrayBuffer();
        await new Promise((resolve) =>
          setTimeout(resolve, Number(res.headers.get('retry-after') ?? '1') * 1000),
        );
        res = await send();
      }
      const body = (await res.json()) as { usage?: { completion_tokens?: number } };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.usage?.completion_tokens).toBe(8);
    } finally {
      for (const { rt } of started.reverse()) await rt.stop('test over');
      await rm(seedDir, { recursive: true, force: true });
    }
  });
});
