/** The principals of an AdaGen fleet: one NATS user per service role, or per id where it matters. */

/** Every role that connects to NATS. */
export const ROLES = [
  'gateway',
  'classifier',
  'balancer',
  'planner',
  'estimator',
  'agent',
  'observer',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles whose id appears in subjects they own (`stream.<gatewayId>.*`, `placements.<balancerId>`,
 * `agent.<instanceId>.*`): each id is its own user, so one cannot act as another.
 */
export const ROLES_WITH_ID = ['gateway', 'balancer', 'agent'] as const;
export type RoleWithId = (typeof ROLES_WITH_ID)[number];
export type SharedRole = Exclude<Role, RoleWithId>;

/** One NATS user: a role, and the id for roles that have one. `name` is unique in a fleet. */
export type Principal =
  | { readonly role: RoleWithId; readonly id: string; readonly name: string }
  | { readonly role: SharedRole; readonly name: string };

export function isRoleWithId(role: Role): role is RoleWithId {
  return (ROLES_WITH_ID as readonly string[]).includes(role);
}

/** `agent-gpu-1`, `classifier`: the user's name (and the stem of its key and env names). */
export function principalName(role: Role, id?: string): string {
  return id === undefined ? role : `${role}-${id}`;
}

/** Builds a principal; roles with an id require one, the others take none. */
export function principal(role: Role, id?: string): Principal {
  if (isRoleWithId(role)) {
    if (id === undefined) throw new Error(`role ${role} needs an id`);
    return { role, id, name: principalName(role, id) };
  }
  if (id !== undefined) throw new Error(`role ${role} takes no id, got ${JSON.stringify(id)}`);
  return { role, name: principalName(role) };
}

/** What each role is for, for the generated config's comments and docs/SECURITY.md. */
export const ROLE_PURPOSE: Readonly<Record<Role, string>> = {
  gateway: 'HTTP front door: calls classify/balance/plan, reads the token streams addressed to it',
  classifier: 'serves classify, calls balance, learns from completion records',
  balancer:
    'serves balance, calls plan and estimate, shares placement notices with its peers, publishes its decision records',
  planner: 'serves plan, calls estimate, dispatches to agents',
  estimator: 'serves estimate from agent state',
  agent: 'runs requests on one instance: answers its dispatch, publishes its own state and results',
  observer: 'read-only: metrics, the dashboard, the capacity recommender and Service API discovery',
  admin: 'operator: everything in the AdaGen account',
};
