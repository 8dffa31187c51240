/**
 * A nats-server of its own and an in-process fleet on it for the tests of one `describe`:
 * started before them (once every balancer and planner sees the agents), stopped after.
 */
import { afterAll, beforeAll } from 'vitest';
import type { NatsServer } from '../natsServer.js';
import { startNatsServer } from '../natsServer.js';
import type { InProcessFleet, InProcessFleetOptions } from './in-process.js';
import { startInProcessFleet } from './in-process.js';

export interface SuiteFleet {
  /** Set once the suite's `beforeAll` has run. */
  readonly nats: NatsServer;
  readonly fleet: InProcessFleet;
}

export function fleetForSuite(options: Omit<InProcessFleetOptions, 'natsUrl'>): SuiteFleet {
  let nats: NatsServer | undefined;
  let fleet: InProcessFleet | undefined;
  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = await startInProcessFleet({ ...options, natsUrl: nats.url });
    await fleet.waitForAgents(options.agents ?? 2);
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });
  const ready = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('the suite’s fleet is not started (outside its tests?)');
    return x;
  };
  return {
    get nats() {
      return ready(nats);
    },
    get fleet() {
      return ready(fleet);
    },
  };
}
