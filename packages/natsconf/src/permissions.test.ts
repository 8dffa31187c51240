import { AGENT_VERBS, SERVICE_ENDPOINTS, subjects } from '@adagen/protocol';
import { describe, expect, it } from 'vitest';
import { permissionsFor } from './permissions.js';
import { ROLES, principal } from './roles.js';
import type { Role } from './roles.js';
import { isAllowed } from './subject-match.js';

const ids: Partial<Record<Role, string>> = { gateway: 'gw-1', balancer: 'bal-1', agent: 'gpu-1' };
const everyone = ROLES.map((role) => principal(role, ids[role]));

/** The documented flows (packages/protocol/README.md): subject, publishers, subscribers. */
const FLOWS: readonly [string, readonly Role[], readonly Role[]][] = [
  [subjects.classify, ['gateway'], ['classifier']],
  [subjects.balance, ['gateway', 'classifier'], ['balancer']],
  [subjects.shardBalance(3), ['balancer'], ['balancer']],
  [subjects.plan, ['gateway', 'balancer'], ['planner']],
  [subjects.estimate, ['balancer', 'planner'], ['estimator']],
  [subjects.dispatch('gpu-1'), ['planner'], ['agent']],
  [subjects.probe('gpu-1'), ['gateway'], ['agent']],
  [subjects.state('gpu-1'), ['agent'], ['gateway', 'balancer', 'planner', 'estimator', 'observer']],
  [subjects.completion('gpu-1'), ['agent'], ['classifier', 'observer']],
  [
    subjects.announce('gpu-1'),
    ['agent'],
    ['gateway', 'balancer', 'planner', 'estimator', 'observer'],
  ],
  [subjects.cache('gpu-1'), ['agent'], ['balancer', 'observer']],
  [subjects.kv('gpu-2', 'gpu-1'), ['agent'], []],
  [subjects.kv('gpu-1', 'gpu-2'), [], ['agent']],
  [subjects.streamFrom(subjects.stream('gw-1', 'req-1'), 'gpu-1'), ['agent'], ['gateway']],
  [subjects.placements('bal-1'), ['balancer'], ['balancer', 'planner', 'estimator', 'observer']],
  [subjects.cancel('gw-1'), ['gateway', 'planner'], ['agent']],
];

describe('permissions follow the subject table', () => {
  it.each(FLOWS)('%s: only %j publish, %j subscribe', (subject, publishers, subscribers) => {
    for (const who of everyone) {
      if (who.role === 'admin') continue;
      const p = permissionsFor(who);
      expect(isAllowed(p, 'publish', subject), `${who.name} publish`).toBe(
        publishers.includes(who.role),
      );
      expect(isAllowed(p, 'subscribe', subject), `${who.name} subscribe`).toBe(
        subscribers.includes(who.role),
      );
    }
  });

  it('every subject kind of the hierarchy has a flow', () => {
    const covered = FLOWS.map(([s]) => s);
    for (const e of SERVICE_ENDPOINTS) expect(covered).toContain(subjects.service(e));
    for (const v of AGENT_VERBS)
      if (v !== 'kv') expect(covered).toContain(subjects.agent('gpu-1', v));
    expect(covered).toContain(subjects.kv('gpu-1', 'gpu-2'));
  });

  it('an agent owns only its own subjects', () => {
    const a = permissionsFor(principal('agent', 'gpu-1'));
    for (const verb of ['state', 'completion', 'announce', 'cache'] as const) {
      expect(isAllowed(a, 'publish', subjects.agent('gpu-1', verb))).toBe(true);
      expect(isAllowed(a, 'publish', subjects.agent('gpu-2', verb))).toBe(false);
    }
    expect(isAllowed(a, 'publish', subjects.kv('gpu-2', 'gpu-1'))).toBe(true); // to a peer, as itself
    expect(isAllowed(a, 'publish', subjects.kv('gpu-2', 'gpu-3'))).toBe(false); // as another
    expect(isAllowed(a, 'subscribe', subjects.kv('gpu-1', 'gpu-2'))).toBe(true);
    const address = subjects.stream('gw-1', 'req-1');
    expect(isAllowed(a, 'publish', subjects.streamFrom(address, 'gpu-1'))).toBe(true);
    expect(isAllowed(a, 'publish', subjects.streamFrom(address, 'gpu-2'))).toBe(false);
    expect(isAllowed(a, 'publish', address)).toBe(false);
    expect(isAllowed(a, 'subscribe', subjects.dispatch('gpu-2'))).toBe(false);
    expect(isAllowed(a, 'subscribe', subjects.kv('gpu-2', 'gpu-1'))).toBe(false);
    expect(isAllowed(a, 'subscribe', 'adagen.v1.agent.*.dispatch')).toBe(false);
    expect(isAllowed(a, 'subscribe', '_INBOX.>')).toBe(false);
    expect(isAllowed(a, 'publish', subjects.plan)).toBe(false);
    expect(a.allowResponses).toBe(true);
  });

  it('a gateway reads only its own streams', () => {
    const g = permissionsFor(principal('gateway', 'gw-1'));
    expect(isAllowed(g, 'subscribe', 'adagen.v1.stream.gw-1.*.*')).toBe(true);
    expect(isAllowed(g, 'subscribe', 'adagen.v1.stream.gw-2.*.*')).toBe(false);
    expect(isAllowed(g, 'subscribe', 'adagen.v1.stream.>')).toBe(false);
  });

  it('a gateway cancels only its own requests', () => {
    const g = permissionsFor(principal('gateway', 'gw-1'));
    expect(isAllowed(g, 'publish', subjects.cancel('gw-1'))).toBe(true);
    expect(isAllowed(g, 'publish', subjects.cancel('gw-2'))).toBe(false);
  });

  it('requesters get private inboxes when asked; responders never publish to inboxes', () => {
    const g = permissionsFor(principal('gateway', 'gw-1'), { inboxes: 'private' });
    expect(g.subscribe.allow).toContain('_INBOX.gateway-gw-1.>');
    expect(isAllowed(g, 'subscribe', '_INBOX.>')).toBe(false);
    for (const who of everyone.filter((p) => p.role !== 'admin'))
      expect(isAllowed(permissionsFor(who), 'publish', '_INBOX.abc.1'), who.name).toBe(false);
  });
});
