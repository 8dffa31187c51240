import { connectNats, credentialsFromConfig } from '@adagen/runtime';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from './natsServer.js';

describe('connectNats credentials', () => {
  it('authenticates with user/password and fails clearly without them', async () => {
    await using server = await startNatsServer({
      config: 'authorization { user: svc, password: s3cret }',
    });
    const credentials = credentialsFromConfig({ natsUser: 'svc', natsPass: 's3cret' });
    expect(credentials).toEqual({ kind: 'user', user: 'svc', pass: 's3cret' });
    await using nc = await connectNats({
      servers: [server.url],
      name: 'auth-ok',
      ...(credentials === undefined ? {} : { credentials }),
    });
    const sub = nc.subscribe('auth.echo', {
      max: 1,
      callback: (_err, msg) => {
        msg.respond(msg.data);
      },
    });
    expect((await nc.request('auth.echo', 'hi', { timeout: 5000 })).string()).toBe('hi');
    sub.unsubscribe();

    const denied = await connectNats({ servers: [server.url], name: 'auth-missing' }).catch(
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(Error);
    expect(String(denied)).toMatch(/authorization/i);
  });

  it('authenticates with a token', async () => {
    await using server = await startNatsServer({ config: 'authorization { token: t0ken }' });
    const credentials = credentialsFromConfig({ natsToken: 't0ken' });
    expect(credentials).toEqual({ kind: 'token', token: 't0ken' });
    await using nc = await connectNats({
      servers: [server.url],
      name: 'token-ok',
      ...(credentials === undefined ? {} : { credentials }),
    });
    await nc.flush();
    expect(nc.isClosed()).toBe(false);
    const wrong = await connectNats({
      servers: [server.url],
      name: 'token-bad',
      credentials: { kind: 'token', token: 'nope' },
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Error);
  });
});
