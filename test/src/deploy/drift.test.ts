/**
 * No drift between the code and the Kubernetes manifests (`adagen deploy render`): every service
 * with an entry point is deployed; every `ADAGEN_*` variable a container gets is an option of that
 * service's config schema and the whole set parses; the ops port and the probe paths are the
 * ones the service serves (`/healthz`, `/readyz` on `httpPort`, from the runtime); each pod's NATS
 * user — found from the seed file its variables name, through the mounted Secret, to the nkey in
 * the servers' auth config — is the user natsconf gives that service with that id, with exactly
 * natsconf's permissions; the NATS address is the client Service of the NATS pods.
 */
import { NATS_AUTH_KEY, NATS_PORTS, PROBES, roleOf } from '@adagen/deploy';
import type { Stage } from '@adagen/deploy';
import { ROLES, permissionsFor, principal } from '@adagen/natsconf';
import type { Principal, Role } from '@adagen/natsconf';
import { envName, parseConfig } from '@adagen/runtime';
import { agentConfigSchema } from '@adagen/svc-agent';
import { balancerConfigSchema } from '@adagen/svc-balancer';
import { classifierConfigSchema } from '@adagen/svc-classifier';
import { dashboardConfigSchema } from '@adagen/svc-dashboard';
import { estimatorConfigSchema } from '@adagen/svc-estimator';
import { gatewayConfigSchema } from '@adagen/svc-gateway';
import { plannerConfigSchema } from '@adagen/svc-planner';
import { recommenderConfigSchema } from '@adagen/svc-recommender';
import { fromSeed } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  expandedEnv,
  podName,
  renderValuesFile,
  secretFileAt,
  serviceOf,
  servicesWithEntryPoints,
} from './manifests.js';
import type { Container, Controller, Rendered } from './manifests.js';

/** Each service's own config schema, from its package (a new service must be added here). */
const SCHEMAS: Readonly<Record<string, z.ZodObject>> = {
  gateway: gatewayConfigSchema,
  classifier: classifierConfigSchema,
  balancer: balancerConfigSchema,
  planner: plannerConfigSchema,
  estimator: estimatorConfigSchema,
  agent: agentConfigSchema,
  dashboard: dashboardConfigSchema,
  recommender: recommenderConfigSchema,
};

/** The option holding a service's id, where its NATS user is per id (natsconf ROLES_WITH_ID). */
const ID_OPTION: Readonly<Record<string, string>> = {
  gateway: 'gatewayId',
  balancer: 'balancerId',
  agent: 'instanceId',
};

/**
 * The agent's HTTP backend options, rendered for engine pools ahead of the agent's config: while
 * the agent's schema lacks them they are the only unknown variables allowed (on engine pools),
 * and once it has them they are checked like every other option.
 */
const AGENT_BACKEND_VARS = ['ADAGEN_BACKEND', 'ADAGEN_ENGINE_URL'];

interface AuthUser {
  readonly name: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  readonly allowResponses: boolean;
}

/** The users of the generated auth config, by nkey: name (its comment), permission lists. */
function parseAuthConf(text: string): Map<string, AuthUser> {
  const lines = text.split('\n');
  const users = new Map<string, AuthUser>();
  const list = (line: string | undefined) => {
    const allow = /allow: (\[.*\])/.exec(line ?? '');
    return allow?.[1] === undefined ? [] : (JSON.parse(allow[1]) as string[]);
  };
  lines.forEach((line, i) => {
    const key = /\{ nkey: "(U[A-Z2-7]{55})",/.exec(line)?.[1];
    if (key === undefined) return;
    const name = /# ([^:]+):/.exec(lines[i - 1] ?? '')?.[1] ?? '?';
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && !(lines[j - 1] ?? '').includes('} }'); j++)
      block.push(lines[j] ?? '');
    users.set(key, {
      name,
      publish: list(block.find((l) => l.includes('publish:'))),
      subscribe: list(block.find((l) => l.includes('subscribe:'))),
      allowResponses: block.some((l) => l.includes('allow_responses: true')),
    });
  });
  return users;
}

function adagenContainers(c: Controller): Array<{ container: Container; service: string }> {
  return c.spec.template.spec.containers.flatMap((container) => {
    const service = serviceOf(container);
    return service === undefined ? [] : [{ container, service }];
  });
}

/** Every pod a controller can have (up to the autoscaler's maximum), by ordinal. */
function maxPods(r: Rendered, c: Controller): number {
  const scaler = r.objects.find(
    (o) =>
      (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') &&
      (o.metadata as { name: string }).name === c.metadata.name,
  ) as { spec: { maxReplicas?: number; maxReplicaCount?: number } } | undefined;
  return Math.max(
    c.spec.replicas,
    scaler?.spec.maxReplicas ?? scaler?.spec.maxReplicaCount ?? c.spec.replicas,
  );
}

function checkFile(file: string, override: Record<string, unknown> = {}) {
  const r = renderValuesFile(file, override);
  const auth = parseAuthConf(r.secrets.get(`${r.values.release}-nats-auth`)?.[NATS_AUTH_KEY] ?? '');
  const deployed = new Set<string>();

  for (const c of r.controllers) {
    for (const { container, service } of adagenContainers(c)) {
      deployed.add(service);
      const schema = SCHEMAS[service];
      if (schema === undefined) throw new Error(`no config schema known for service ${service}`);
      const options = new Map(Object.keys(schema.shape).map((k) => [envName(k), k]));
      const where = `${c.metadata.name}/${container.name}`;

      // Variables: known options only (the backend's, on engine pools, until the agent has them).
      const unknown = container.env
        .map((v) => v.name)
        .filter((n) => n.startsWith('ADAGEN_') && !options.has(n));
      const engineBeside = c.spec.template.spec.containers.length > 1;
      const pending = service === 'agent' && engineBeside && !options.has('ADAGEN_BACKEND');
      expect(unknown, `${where}: variables no option of ${service} reads`).toEqual(
        pending ? AGENT_BACKEND_VARS : [],
      );
      if (pending)
        process.stderr.write(
          `[deploy] ${where}: ${AGENT_BACKEND_VARS.join(', ')} await the agent's HTTP backend options\n`,
        );

      for (let ordinal = 0; ordinal < maxPods(r, c); ordinal++) {
        const pod = podName(c, ordinal);
        const env = expandedEnv(container, pod);
        const config: Record<string, unknown> = parseConfig(schema, { env });

        // Ops port and probes: what @adagen/runtime serves, on the port the service is told.
        const http = container.ports.find((p) => p.name === 'http');
        expect(http?.containerPort, `${where}: the http port`).toBe(config.httpPort);
        expect(config.httpHost, `${where}: listens beyond loopback`).toBe('0.0.0.0');
        expect(container.livenessProbe?.httpGet).toEqual({ path: PROBES.liveness, port: 'http' });
        expect(container.readinessProbe?.httpGet).toEqual({ path: PROBES.readiness, port: 'http' });
        const grace = c.spec.template.spec.terminationGracePeriodSeconds ?? 30;
        expect(grace * 1000, `${where}: the pod outlives the drain`).toBeGreaterThan(
          Number(config.drainGraceMs),
        );

        // NATS: the client Service of the NATS pods.
        const servers = config.natsServers as string[];
        for (const url of servers) {
          const { hostname, port } = new URL(url);
          expect(Number(port)).toBe(NATS_PORTS.client);
          const [svc, ns] = hostname.split('.');
          expect(ns).toBe(r.values.namespace);
          const natsService = r.objects.find(
            (o) => o.kind === 'Service' && (o.metadata as { name: string }).name === svc,
          ) as { spec: { ports: Array<{ port: number; targetPort: string }> } } | undefined;
          expect(natsService?.spec.ports, `${where}: ${url} is a Service`).toContainEqual(
            expect.objectContaining({ port: NATS_PORTS.client, targetPort: 'client' }),
          );
        }

        // The NATS user: seed file → Secret → nkey → user in the auth config.
        const file = secretFileAt(c, container, String(config.natsNkeySeedFile));
        expect(
          file,
          `${where}: ${String(config.natsNkeySeedFile)} is in a mounted Secret`,
        ).toBeDefined();
        const seed = r.secrets.get(file?.secret ?? '')?.[file?.key ?? ''];
        expect(seed, `${where} (${pod}): ${file?.secret}/${file?.key}`).toBeDefined();
        const nkey = fromSeed(new TextEncoder().encode((seed ?? '').trim())).getPublicKey();
        const user = auth.get(nkey);
        const role: Role = roleOf(service as Stage | 'agent');
        expect(ROLES).toContain(role);
        const idOption = ID_OPTION[service];
        const expected: Principal =
          idOption === undefined ? principal(role) : principal(role, String(config[idOption]));
        const perms = permissionsFor(expected, { inboxes: r.values.nats.inboxes });
        expect(user, `${where} (${pod}) connects as ${expected.name}`).toEqual({
          name: expected.name,
          publish: perms.publish.allow,
          subscribe: perms.subscribe.allow,
          allowResponses: perms.allowResponses,
        });
      }
    }
  }
  return { deployed: [...deployed].sort(), users: auth.size };
}

describe('Kubernetes manifests match the services (adagen deploy render)', () => {
  for (const file of ['values.example.yaml', 'values.sim.yaml'])
    it(`${file}: every service deployed; options, ports, probes and NATS users as the code has them`, () => {
      const { deployed } = checkFile(file);
      expect(deployed).toEqual(servicesWithEntryPoints().filter((s) => s !== 'shared'));
      expect(servicesWithEntryPoints()).toEqual(Object.keys(SCHEMAS).sort());
    });

  it('values.sim.yaml with balancerShards 2: each shard’s pods take their shard as the balancer reads it', () => {
    const { deployed } = checkFile('values.sim.yaml', { balancerShards: 2 });
    expect(deployed).toContain('balancer');
    const r = renderValuesFile('values.sim.yaml', { balancerShards: 2 });
    const shards = r.controllers
      .filter((c) => c.metadata.name.includes('-balancer-s'))
      .map((c) =>
        c.spec.template.spec.containers[0]!.env.filter((v) => v.name.startsWith('ADAGEN_SHARD')),
      );
    expect(shards).toEqual([
      [
        { name: 'ADAGEN_SHARDS', value: '2' },
        { name: 'ADAGEN_SHARD', value: '0' },
      ],
      [
        { name: 'ADAGEN_SHARDS', value: '2' },
        { name: 'ADAGEN_SHARD', value: '1' },
      ],
    ]);
  });

  it('the NATS servers: client, cluster and monitoring ports as in their config', () => {
    const r = renderValuesFile('values.example.yaml');
    const config = r.objects.find((o) => o.kind === 'ConfigMap') as {
      data: Record<string, string>;
    };
    const conf = config.data['nats.conf'] ?? '';
    expect(conf).toContain(`listen: "0.0.0.0:${NATS_PORTS.client}"`);
    expect(conf).toContain(`http: "0.0.0.0:${NATS_PORTS.monitor}"`);
    expect(conf).toContain(`listen: "0.0.0.0:${NATS_PORTS.cluster}"`);
    expect(conf).toContain(`include "auth/${NATS_AUTH_KEY}"`);
    expect(
      conf.match(/nats:\/\/adagen-nats-\d\.adagen-nats-headless\.adagen\.svc:6222/g),
    ).toHaveLength(r.values.nats.replicas);
  });
});
