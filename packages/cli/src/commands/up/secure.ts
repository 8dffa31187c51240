/**
 * `adagen up --secure`: the fleet under the NATS permissions `@adagen/natsconf` generates. Each
 * service connects as its own nkey user (agents and balancers per id, the gateway per id; the
 * status line as the read-only observer); the server refuses everything a role may not do and
 * anyone without a key. Keys and the config go to `<dir>/nats-secure/` (seeds mode 600).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFleetSpec, renderNatsConfig, usersOf } from '@adagen/natsconf';
import { createUser } from '@nats-io/nkeys';
import type { ChildSpec } from './children.js';

export interface SecureNats {
  /** nats-server config file. */
  readonly configFile: string;
  /** The seed file of a user, e.g. `agent-agent-0`. */
  seedFile(user: string): string;
}

/** The NATS user a child of `adagen up` connects as (`ChildSpec.label` is `<service>-<i>`). */
export function userOf(spec: Pick<ChildSpec, 'service' | 'label'>): string {
  const i = spec.label.slice(spec.service.length + 1);
  switch (spec.service) {
    case 'agent':
      return `agent-agent-${i}`;
    case 'balancer':
      return `balancer-bal-${i}`;
    case 'gateway':
      return `gateway-gw-${i}`;
    case 'classifier':
    case 'planner':
    case 'estimator':
      return spec.service;
    case 'dashboard':
    case 'recommender':
      return 'observer';
  }
}

export async function prepareSecureNats(
  dir: string,
  fleet: { agents: number; replicas: number },
): Promise<SecureNats> {
  const spec = parseFleetSpec({
    gateways: ['gw-0'],
    balancers: Array.from({ length: fleet.replicas }, (_, i) => `bal-${i}`),
    agents: Array.from({ length: fleet.agents }, (_, i) => `agent-${i}`),
  });
  const out = join(dir, 'nats-secure');
  await mkdir(join(out, 'keys'), { recursive: true, mode: 0o700 });
  const keys: Record<string, string> = {};
  const seeds = new Map<string, string>();
  for (const user of usersOf(spec)) {
    const kp = createUser();
    const file = join(out, 'keys', `${user.name}.nk`);
    await writeFile(file, `${new TextDecoder().decode(kp.getSeed())}\n`, { mode: 0o600 });
    keys[user.name] = kp.getPublicKey();
    seeds.set(user.name, file);
  }
  const configFile = join(out, 'nats.conf');
  await writeFile(configFile, renderNatsConfig(spec, keys));
  return {
    configFile,
    seedFile(user) {
      const file = seeds.get(user);
      if (file === undefined) throw new Error(`no NATS user ${user} in the secure fleet`);
      return file;
    },
  };
}
