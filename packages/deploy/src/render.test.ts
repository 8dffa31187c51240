import { createUser } from '@nats-io/nkeys';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { natsUsersOf, renderFleet } from './render.js';
import { parseValues } from './values.js';
import type { ValuesInput } from './values.js';
import { toKustomize, toYaml } from './yaml.js';

const seedsFor = (users: readonly string[]) =>
  Object.fromEntries(users.map((u) => [u, new TextDecoder().decode(createUser().getSeed())]));

const input: ValuesInput = {
  gateway: { replicas: 2, autoscaling: { type: 'keda', maxReplicas: 3, threshold: 100 } },
  balancer: { replicas: 2, autoscaling: { type: 'hpa', maxReplicas: 4 } },
  pools: [
    { name: 'a100', profile: 'a100', replicas: 2, engine: { type: 'vllm' } },
    { name: 'sim', profile: 'h100', replicas: 1, engine: { type: 'sim' } },
  ],
};

describe('renderFleet', () => {
  const values = parseValues(input);
  const objects = renderFleet(values, seedsFor(natsUsersOf(values)));
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const names = (kind: string) => byKind(kind).map((o) => o.metadata?.name);

  it('gives each stage and pool its workload, PDB and autoscaler; NATS as a StatefulSet', () => {
    expect(names('Deployment')).toEqual([
      'adagen-classifier',
      'adagen-planner',
      'adagen-estimator',
      'adagen-dashboard',
      'adagen-recommender',
    ]);
    expect(names('StatefulSet')).toEqual([
      'adagen-nats',
      'adagen-gateway',
      'adagen-balancer',
      'adagen-agent-a100',
      'adagen-agent-sim',
    ]);
    expect(byKind('PodDisruptionBudget')).toHaveLength(10);
    expect(names('ScaledObject')).toEqual(['adagen-gateway']);
    expect(names('HorizontalPodAutoscaler')).toEqual([
      'adagen-classifier',
      'adagen-balancer',
      'adagen-planner',
      'adagen-estimator',
    ]);
    expect(names('NetworkPolicy')).toEqual(['adagen-agent-a100']);
  });

  it('makes one NATS user per possible pod of a per-id role (up to the autoscaler’s maximum)', () => {
    const users = natsUsersOf(values);
    expect(users.filter((u) => u.startsWith('gateway-'))).toEqual([
      'gateway-adagen-gateway-0',
      'gateway-adagen-gateway-1',
      'gateway-adagen-gateway-2',
    ]);
    expect(users.filter((u) => u.startsWith('balancer-'))).toHaveLength(4);
    expect(users.filter((u) => u.startsWith('agent-'))).toHaveLength(3);
    expect(users).toContain('classifier');
  });

  it('runs the dashboard and the recommender as the read-only observer, each behind a Service', () => {
    expect(natsUsersOf(values)).toContain('observer');
    expect(names('Service')).toEqual(
      expect.arrayContaining(['adagen-dashboard', 'adagen-recommender']),
    );
    const dashboard = byKind('Deployment').find((o) => o.metadata?.name === 'adagen-dashboard') as
      | {
          spec: {
            template: {
              spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> };
            };
          };
        }
      | undefined;
    const env = new Map(
      (dashboard?.spec.template.spec.containers[0]?.env ?? []).map((v) => [v.name, v.value]),
    );
    expect(env.get('ADAGEN_RECOMMENDER_URL')).toBe(
      'http://adagen-recommender.adagen.svc:8080/metrics',
    );
    // Every balancer pod the autoscaler may start (4) and every gateway pod (3).
    expect(env.get('ADAGEN_METRICS_URLS')?.split(',')).toHaveLength(7);
    expect(() => parseValues({ ...input, dashboard: { autoscaling: { type: 'keda' } } })).toThrow(
      /dashboard\.autoscaling/,
    );
  });

  it('prints YAML and a kustomize base holding the same objects', () => {
    const stream = toYaml(objects)
      .split(/^---$/m)
      .slice(1)
      .map((d) => parse(d) as unknown);
    const plain = objects.map((o) => JSON.parse(JSON.stringify(o.toJSON())) as unknown);
    expect(stream).toEqual(plain);
    const files = toKustomize(objects);
    const kustomization = parse(files['kustomization.yaml'] ?? '') as { resources: string[] };
    expect(kustomization.resources.map((f) => parse(files[f] ?? '') as unknown)).toEqual(plain);
  });

  it('names the bad field, a missing seed, and an object its schema rejects', () => {
    expect(() => parseValues({ pools: [] })).toThrow(/pools: /);
    expect(() =>
      parseValues({
        pools: [{ name: 'A_100', profile: 'a100', replicas: 1, engine: { type: 'sim' } }],
      }),
    ).toThrow(/pools\.0\.name: expected a DNS label/);
    expect(() => renderFleet(values, {})).toThrow(
      'no nkey seed for NATS user gateway-adagen-gateway-0',
    );
    const deployment = byKind('Deployment')[0] as unknown as { spec: { replicas: unknown } };
    deployment.spec.replicas = 'two';
    expect(() => (deployment as unknown as { validate(): void }).validate()).toThrow(/replicas/);
  });
});

describe('renderFleet with balancer shards', () => {
  const values = parseValues({ ...input, balancerShards: 2 });
  const objects = renderFleet(values, seedsFor(natsUsersOf(values)));
  const named = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name) as unknown as
      | {
          spec: {
            template: {
              spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> };
            };
          };
        }
      | undefined;
  const envOf = (kind: string, name: string) =>
    new Map(
      (named(kind, name)?.spec.template.spec.containers[0]?.env ?? []).map((v) => [
        v.name,
        v.value,
      ]),
    );

  it('runs one balancer StatefulSet per shard, each told its shard, with its own autoscaler and users', () => {
    const sets = objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata?.name);
    expect(sets).toEqual(expect.arrayContaining(['adagen-balancer-s0', 'adagen-balancer-s1']));
    expect(sets).not.toContain('adagen-balancer');
    for (const k of [0, 1]) {
      const env = envOf('StatefulSet', `adagen-balancer-s${k}`);
      expect(env.get('ADAGEN_SHARDS')).toBe('2');
      expect(env.get('ADAGEN_SHARD')).toBe(String(k));
      expect(env.get('ADAGEN_BALANCER_ID')).toBe('$(POD_NAME)');
    }
    expect(
      objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler')
        .map((o) => o.metadata?.name)
        .filter((n) => n?.startsWith('adagen-balancer')),
    ).toEqual(['adagen-balancer-s0', 'adagen-balancer-s1']);
    // Up to 4 pods per shard, each its own NATS user.
    expect(natsUsersOf(values).filter((u) => u.startsWith('balancer-'))).toHaveLength(8);
    // The dashboard scrapes every balancer pod of every shard (8) and every gateway pod (3).
    const urls = envOf('Deployment', 'adagen-dashboard').get('ADAGEN_METRICS_URLS')?.split(',');
    expect(urls).toHaveLength(11);
    expect(urls).toContain(
      'http://adagen-balancer-s1-3.adagen-balancer-s1.adagen.svc:8080/metrics',
    );
    // Other stages are not sharded.
    expect(envOf('Deployment', 'adagen-planner').has('ADAGEN_SHARDS')).toBe(false);
  });

  it('refuses a shard count out of range, naming the field', () => {
    expect(() => parseValues({ ...input, balancerShards: 0 })).toThrow(/balancerShards/);
    expect(() => parseValues({ ...input, balancerShards: 17 })).toThrow(/balancerShards/);
  });
});
