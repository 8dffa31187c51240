// Private reply inboxes (`inboxes: "private"`): a requester's replies arrive under
// `_INBOX.<user>`, which no other user may subscribe to.
import { estimateRequestSchema, estimateResponseSchema, subjects } from '@adagen/protocol';
import { request } from '@adagen/runtime';
import { inboxPrefixFor, principal } from '@adagen/natsconf';
import { PermissionViolationError } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateRequest, startEstimator } from './helpers.js';
import { startSecureFleet, watchPermissionErrors } from './security.fleet.js';
import type { SecureFleet } from './security.fleet.js';

let fleet: SecureFleet;
beforeAll(async () => {
  fleet = await startSecureFleet({ agents: ['gpu-1'], inboxes: 'private' });
});
afterAll(() => fleet.stop());

const prefixOf = (role: 'balancer' | 'planner', id?: string) => inboxPrefixFor(principal(role, id));

describe('private inboxes', () => {
  it('a requester with its prefix gets replies; without it the request is forbidden', async () => {
    const { lifecycle } = await startEstimator(await fleet.connect('estimator'));
    try {
      const balancer = await fleet.connect('balancer-bal-1', {
        inboxPrefix: prefixOf('balancer', 'bal-1'),
      });
      const call = (nc: typeof balancer) =>
        request(
          nc,
          subjects.estimate,
          estimateRequestSchema,
          estimateResponseSchema,
          estimateRequest(500),
          {
            timeoutMs: 30_000,
          },
        );
      const answered = await call(balancer);
      expect(answered.ok && answered.value.perInstance[0]?.newRequest.ttftMs).toBe(50);

      const planner = await fleet.connect('planner'); // default `_INBOX` prefix: not allowed
      const refused = await call(planner);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('forbidden');
    } finally {
      await lifecycle.stop();
    }
  });

  it("another user cannot subscribe to a requester's inbox", async () => {
    const planner = await fleet.connect('planner', { inboxPrefix: prefixOf('planner') });
    const errors = watchPermissionErrors(planner);
    const snoop = planner.subscribe(`${prefixOf('balancer', 'bal-1')}.>`);
    await planner.flush();
    expect(snoop.isClosed()).toBe(true);
    const refused = await errors.next();
    expect(refused).toBeInstanceOf(PermissionViolationError);
    expect(refused.subject).toBe('_INBOX.balancer-bal-1.>');
  });
});
