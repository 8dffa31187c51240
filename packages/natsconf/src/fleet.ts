/** The fleet description the generator reads: who connects, how they authenticate, TLS. */
import { idSchema } from '@adagen/protocol';
import { z } from 'zod';
import { principal } from './roles.js';
import type { Principal } from './roles.js';

const ids = (what: string) =>
  z
    .array(idSchema)
    .refine((list) => new Set(list).size === list.length, { error: `expected distinct ${what}` });

const filePath = z.string().min(1);

export const tlsSpecSchema = z.object({
  /** Server certificate (PEM). */
  certFile: filePath,
  /** Server private key (PEM). */
  keyFile: filePath,
  /** CA that signed client certificates; required when `verifyClients`. */
  caFile: filePath.optional(),
  /**
   * Require a client certificate signed by `caFile` (mutual TLS), on top of the user's key.
   * @default false
   */
  verifyClients: z.boolean().default(false),
  /** TLS handshake timeout in seconds. @default 2 */
  timeoutS: z.number().positive().max(60).default(2),
});
export type TlsSpec = z.infer<typeof tlsSpecSchema>;

export const fleetSpecSchema = z
  .object({
    /** The account every AdaGen user lives in. @default "ADAGEN" */
    account: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,31}$/)
      .default('ADAGEN'),
    /** Gateway ids (each a user that reads only `stream.<id>.*`). @default ["gw-1"] */
    gateways: ids('gateway ids').default(['gw-1']),
    /** Balancer ids (each a user that publishes only `placements.<id>`). @default ["bal-1"] */
    balancers: ids('balancer ids').default(['bal-1']),
    /** Agent instance ids (each a user limited to its own agent subjects). */
    agents: ids('agent ids').min(1),
    /** Also a read-only `observer` user (metrics, dashboards). @default true */
    observer: z.boolean().default(true),
    /** Also an `admin` user with full access to the account. @default true */
    admin: z.boolean().default(true),
    /** A `sys` user in the system account, for `nats server` monitoring. @default false */
    systemUser: z.boolean().default(false),
    /**
     * `nkey`: each user is an nkey public key (seeds stay with the services, nothing secret in
     * the config). `password`: user name plus a password read from the server's environment
     * (`$ADAGEN_NATS_PASS_<USER>`), never written to the config.
     * @default "nkey"
     */
    auth: z.enum(['nkey', 'password']).default('nkey'),
    /** `shared` (`_INBOX.>`) or `private` (`_INBOX.<user>.>`) reply inboxes. @default "shared" */
    inboxes: z.enum(['shared', 'private']).default('shared'),
    /** Client port line (`listen: …`); omitted when absent (e.g. appended to another config). */
    listen: z.string().min(1).optional(),
    tls: tlsSpecSchema.optional(),
  })
  .refine((f) => f.tls === undefined || !f.tls.verifyClients || f.tls.caFile !== undefined, {
    error: 'expected tls.caFile when tls.verifyClients is true',
    path: ['tls', 'caFile'],
  });
export type FleetSpec = z.infer<typeof fleetSpecSchema>;
export type FleetSpecInput = z.input<typeof fleetSpecSchema>;

/** Parses a fleet description; the error names the bad field. */
export function parseFleetSpec(input: unknown): FleetSpec {
  const parsed = fleetSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid fleet spec: ${issues.join('; ')}`);
}

/** Every user of the fleet, in a stable order. */
export function principalsOf(fleet: FleetSpec): Principal[] {
  return [
    ...fleet.gateways.map((id) => principal('gateway', id)),
    principal('classifier'),
    ...fleet.balancers.map((id) => principal('balancer', id)),
    principal('planner'),
    principal('estimator'),
    ...fleet.agents.map((id) => principal('agent', id)),
    ...(fleet.observer ? [principal('observer')] : []),
    ...(fleet.admin ? [principal('admin')] : []),
  ];
}

/** The system-account user (`sys`), when `systemUser` is set: server monitoring only. */
export const SYSTEM_PRINCIPAL: Principal = { role: 'admin', name: 'sys' };

/** Every user that needs a credential: the account's principals, then `sys` when asked for. */
export function usersOf(fleet: FleetSpec): Principal[] {
  return [...principalsOf(fleet), ...(fleet.systemUser ? [SYSTEM_PRINCIPAL] : [])];
}

/** `ADAGEN_NATS_PASS_AGENT_GPU_1`: the server-side variable holding a user's password. */
export function passwordEnvName(name: string): string {
  return `ADAGEN_NATS_PASS_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
