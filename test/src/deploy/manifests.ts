/**
 * The rendered Kubernetes objects of a values file, read the way a cluster would: pods from their
 * controllers, containers with their variables expanded for a given pod, the Secrets they mount.
 * For the drift and live deployment tests.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsUsersOf, parseValues, renderFleet } from '@adagen/deploy';
import type { Values } from '@adagen/deploy';
import { createUser } from '@nats-io/nkeys';
import { parse } from 'yaml';
import { z } from 'zod';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const envVarSchema = z.object({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.object({ fieldRef: z.object({ fieldPath: z.string() }) }).optional(),
});
const probeSchema = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
export const containerSchema = z.object({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVarSchema).default([]),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })).default([]),
  livenessProbe: probeSchema.optional(),
  readinessProbe: probeSchema.optional(),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })).default([]),
});
export type Container = z.infer<typeof containerSchema>;

const volumeSchema = z.object({
  name: z.string(),
  secret: z.object({ secretName: z.string() }).optional(),
});
const podTemplateSchema = z.object({
  spec: z.object({
    containers: z.array(containerSchema),
    volumes: z.array(volumeSchema).default([]),
    terminationGracePeriodSeconds: z.number().optional(),
  }),
});
const controllerSchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet']),
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    replicas: z.number(),
    serviceName: z.string().optional(),
    template: podTemplateSchema,
  }),
});
export type Controller = z.infer<typeof controllerSchema>;
const secretSchema = z.object({
  kind: z.literal('Secret'),
  metadata: z.object({ name: z.string() }),
  stringData: z.record(z.string(), z.string()),
});

export interface Rendered {
  readonly values: Values;
  /** Plain JSON of every object, as `kubectl apply` would send it. */
  readonly objects: readonly Record<string, unknown>[];
  readonly controllers: readonly Controller[];
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Renders `infra/k8s/<file>` with fresh nkey seeds. */
/** Renders `infra/k8s/<file>`, with `override`'s top-level fields over the file's. */
export function renderValuesFile(file: string, override: Record<string, unknown> = {}): Rendered {
  const values = parseValues({
    ...(parse(readFileSync(join(repoRoot, 'infra/k8s', file), 'utf8')) as Record<string, unknown>),
    ...override,
  });
  const seeds = Object.fromEntries(
    natsUsersOf(values).map((u) => [u, new TextDecoder().decode(createUser().getSeed())]),
  );
  const objects = renderFleet(values, seeds).map(
    (o) => JSON.parse(JSON.stringify(o.toJSON())) as Record<string, unknown>,
  );
  const controllers = objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => controllerSchema.parse(o));
  const secrets = new Map(
    objects
      .filter((o) => o.kind === 'Secret')
      .map((o) => secretSchema.parse(o))
      .map((s) => [s.metadata.name, s.stringData] as const),
  );
  return { values, objects, controllers, secrets };
}

/** The name pod `ordinal` of a controller gets (a StatefulSet's, or a made-up Deployment one). */
export function podName(c: Controller, ordinal: number): string {
  return c.kind === 'StatefulSet'
    ? `${c.metadata.name}-${ordinal}`
    : `${c.metadata.name}-7d9f8-x${ordinal}`;
}

/** A container's variables as the kubelet sets them in pod `pod` (`$(VAR)` expanded). */
export function expandedEnv(container: Container, pod: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env) {
    if (v.valueFrom?.fieldRef.fieldPath === 'metadata.name') env[v.name] = pod;
    else if (v.value !== undefined)
      env[v.name] = v.value.replace(/\$\(([A-Z0-9_]+)\)/g, (all, name: string) => env[name] ?? all);
    else throw new Error(`variable ${v.name}: no value and no supported valueFrom`);
  }
  return env;
}

/** The Secret file a path in the container reads, as `{ secret, key }`, or undefined. */
export function secretFileAt(
  c: Controller,
  container: Container,
  path: string,
): { secret: string; key: string } | undefined {
  for (const mount of container.volumeMounts) {
    if (!path.startsWith(`${mount.mountPath}/`)) continue;
    const volume = c.spec.template.spec.volumes.find((v) => v.name === mount.name);
    if (volume?.secret === undefined) continue;
    return { secret: volume.secret.secretName, key: path.slice(mount.mountPath.length + 1) };
  }
  return undefined;
}

/** `services/<name>` directories that have an entry point: what must be deployed. */
export function servicesWithEntryPoints(): string[] {
  return readdirSync(join(repoRoot, 'services'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(repoRoot, 'services', d.name, 'src/main.ts')))
    .map((d) => d.name)
    .sort();
}

/** The service a container runs (`services/<name>/dist/main.js`), or undefined. */
export function serviceOf(container: Container): string | undefined {
  const script = container.args?.[0] ?? '';
  return /^services\/([a-z-]+)\/dist\/main\.js$/.exec(script)?.[1];
}
