import { existsSync } from 'node:fs';
import { connectNats } from '@adagen/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NATS_INSTALL_HINT, findNatsServerBinary } from './binary.js';
import { resolveMode } from './mode.js';
import { startNatsServer } from './natsServer.js';

/** This machine has no sign of a container runtime (the probe must then fail). */
const noDockerHints = !existsSync('/var/run/docker.sock') && (process.env.DOCKER_HOST ?? '') === '';

const jsInfoSchema = z.object({ type: z.string(), error: z.unknown().optional() });

describe('nats test harness', () => {
  it('starts a server on a free port (not the system 4222) and stops it', async () => {
    const server = await startNatsServer();
    expect(server.port).not.toBe(4222);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const nc = await connectNats({ servers: [server.url], name: 'harness' });
    const sub = nc.subscribe('harness.echo', {
      max: 1,
      callback: (_err, msg) => {
        msg.respond(msg.data);
      },
    });
    const reply = await nc.request('harness.echo', 'ping', { timeout: 5000 });
    expect(reply.string()).toBe('ping');
    sub.unsubscribe();
    await nc.close();
    await server.stop();
    await server.stop();
    const refused = await connectNats({
      servers: [server.url],
      name: 'late',
      connectTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
  });

  it('enables JetStream in a temp dir when asked, and not otherwise', async () => {
    await using withJs = await startNatsServer({ jetstream: true });
    await using nc = await connectNats({ servers: [withJs.url], name: 'js' });
    const info = jsInfoSchema.parse(
      (await nc.request('$JS.API.INFO', undefined, { timeout: 5000 })).json(),
    );
    expect(info).toMatchObject({ type: 'io.nats.jetstream.api.v1.account_info_response' });
    expect(info.error).toBeUndefined();

    await using plain = await startNatsServer();
    await using nc2 = await connectNats({ servers: [plain.url], name: 'plain' });
    await expect(nc2.request('$JS.API.INFO', undefined, { timeout: 2000 })).rejects.toThrow();
  });

  it('passes extra config through', async () => {
    await using server = await startNatsServer({ config: 'max_payload: 2048' });
    await using nc = await connectNats({ servers: [server.url], name: 'cfg' });
    expect(nc.info?.max_payload).toBe(2048);
  });

  it('names the install command when the binary is missing', () => {
    expect(() => findNatsServerBinary({ NATS_SERVER_BIN: '/nonexistent/nats-server' })).toThrow(
      NATS_INSTALL_HINT,
    );
    expect(NATS_INSTALL_HINT).toBe('bash infra/ensure-nats-server.sh');
  });

  it('picks the mode from ADAGEN_NATS_MODE and explains fallbacks', async () => {
    expect(await resolveMode({ ADAGEN_NATS_MODE: 'binary' })).toEqual({ mode: 'binary' });
    expect(await resolveMode({ ADAGEN_NATS_MODE: 'kubernetes' })).toEqual({
      mode: 'binary',
      fallbackReason: 'unknown ADAGEN_NATS_MODE=kubernetes',
    });
  });

  it.skipIf(noDockerHints === false)(
    'refuses container mode when no runtime is reachable; auto uses the binary',
    async () => {
      await expect(resolveMode({ ADAGEN_NATS_MODE: 'container' })).rejects.toThrow(
        /^ADAGEN_NATS_MODE=container, but container runtime unreachable: /,
      );
      expect(await resolveMode({})).toEqual({ mode: 'binary' });
    },
  );

  it.skipIf(noDockerHints)(
    'with a runtime, names the missing image (auto falls back to the binary, container refuses)',
    async () => {
      const env = { ...process.env, ADAGEN_NATS_IMAGE: 'adagen/no-such-image:never' };
      const auto = await resolveMode({ ...env, ADAGEN_NATS_MODE: 'auto' });
      expect(auto.mode).toBe('binary');
      expect(auto.fallbackReason ?? '').toMatch(
        /image adagen\/no-such-image:never is not present \(build it: bash infra\/images\/build.sh nats\)|container runtime unreachable/,
      );
      await expect(resolveMode({ ...env, ADAGEN_NATS_MODE: 'container' })).rejects.toThrow(
        /^ADAGEN_NATS_MODE=container, but /,
      );
    },
  );
});
