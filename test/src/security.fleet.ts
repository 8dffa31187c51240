// A nats-server running the config @adagen/natsconf generates, with an nkey per user, and the
// probes the security tests use: connect as a user, watch for permission errors, and show that
// a denied message was not delivered (not part of the testkit's public API).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFleetSpec, renderNatsConfig, usersOf } from '@adagen/natsconf';
import type { FleetSpec, FleetSpecInput } from '@adagen/natsconf';
import { connectNats } from '@adagen/runtime';
import type { NatsTls } from '@adagen/runtime';
import { PermissionViolationError } from '@nats-io/nats-core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { createUser } from '@nats-io/nkeys';
import { startNatsServer } from './natsServer.js';
import type { NatsServer } from './natsServer.js';

export interface SecureFleet extends AsyncDisposable {
  readonly server: NatsServer;
  readonly fleet: FleetSpec;
  readonly config: string;
  /** Connects as the user `name` (e.g. `agent-gpu-1`) with its nkey seed file. */
  connect(
    name: string,
    options?: { tls?: NatsTls; inboxPrefix?: string; connectTimeoutMs?: number },
  ): Promise<NatsConnection>;
  /** The nkey seed file of the user `name` (for a service's `ADAGEN_NATS_NKEY_SEED_FILE`). */
  seedFile(name: string): string;
  stop(): Promise<void>;
}

/** Generates keys and the config for `input`, and starts a server with it. */
export async function startSecureFleet(
  input: FleetSpecInput,
  options: { configTail?: string } = {},
): Promise<SecureFleet> {
  const fleet = parseFleetSpec(input);
  const keyDir = await mkdtemp(join(tmpdir(), 'adagen-nkeys-'));
  const keys: Record<string, string> = {};
  const seedFiles = new Map<string, string>();
  for (const user of usersOf(fleet)) {
    const kp = createUser();
    const file = join(keyDir, `${user.name}.nk`);
    await writeFile(file, new TextDecoder().decode(kp.getSeed()), { mode: 0o600 });
    keys[user.name] = kp.getPublicKey();
    seedFiles.set(user.name, file);
  }
  const config = renderNatsConfig(fleet, keys);
  const server = await startNatsServer({ config: config + (options.configTail ?? '') });
  const connections: NatsConnection[] = [];
  const stop = async () => {
    await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
    await server.stop();
    await rm(keyDir, { recursive: true, force: true });
  };
  return {
    server,
    fleet,
    config,
    async connect(name, connectOptions = {}) {
      const seedFile = seedFiles.get(name);
      if (seedFile === undefined) throw new Error(`no user ${name} in the fleet`);
      const nc = await connectNats({
        servers: [server.url],
        name,
        credentials: { kind: 'nkey', seedFile },
        reconnectTimeWaitMs: 100,
        ...connectOptions,
      });
      connections.push(nc);
      return nc;
    },
    seedFile(name) {
      const file = seedFiles.get(name);
      if (file === undefined) throw new Error(`no user ${name} in the fleet`);
      return file;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Permission errors the server sent to one connection, in order. */
export interface PermissionErrors {
  readonly seen: readonly PermissionViolationError[];
  /** The next permission error (already seen or still to come). */
  next(): Promise<PermissionViolationError>;
}

/** Starts watching `nc`'s status for permission errors; call it before the offending action. */
export function watchPermissionErrors(nc: NatsConnection): PermissionErrors {
  const seen: PermissionViolationError[] = [];
  const waiters: ((e: PermissionViolationError) => void)[] = [];
  let taken = 0;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'error' || !(status.error instanceof PermissionViolationError)) continue;
      seen.push(status.error);
      waiters.shift()?.(status.error);
    }
  })();
  return {
    seen,
    next() {
      const ready = seen[taken];
      taken += 1;
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (msg: Msg): string => new TextDecoder().decode(msg.data);

/** The first message a subscription receives. */
export async function firstMessage(
  sub: Subscription,
  wanted: (msg: Msg) => boolean = () => true,
): Promise<Msg> {
  for await (const msg of sub) if (wanted(msg)) return msg;
  throw new Error(`subscription ${sub.getSubject()} ended without a message`);
}

/**
 * Publishes `denied` (which must be refused) then `allowed` from `offender`, and returns what a
 * `witness` subscribed to both saw first, and the server's error (the server sends it before
 * answering the flush, so check `first` first, then await it). The server handles one
 * connection's messages in order and delivers them to a subscriber in order, so if the witness's
 * first message is the allowed one, the denied one was dropped — no timing involved. The
 * witness looks only at this test's two payloads: a live fleet publishes on these subjects too
 * (an agent's periodic state, say).
 */
export async function publishDeniedThenAllowed(
  offender: NatsConnection,
  witness: NatsConnection,
  denied: string,
  allowed: string,
): Promise<{ readonly first: Msg; readonly error: Promise<PermissionViolationError> }> {
  const errors = watchPermissionErrors(offender);
  const watching = witness.subscribe('>');
  await witness.flush();
  const marker = `probe-${Math.random().toString(36).slice(2)}`;
  const first = firstMessage(watching, (m) => new TextDecoder().decode(m.data).startsWith(marker));
  offender.publish(denied, bytes(`${marker} forged`));
  offender.publish(allowed, bytes(`${marker} allowed`));
  await offender.flush();
  const result = { first: await first, error: errors.next() };
  watching.unsubscribe();
  return result;
}
