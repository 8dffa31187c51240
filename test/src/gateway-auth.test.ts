/**
 * API keys and per-key rate limits at a real gateway: without or with a wrong
 * `Authorization: Bearer` key, 401 with OpenAI's error JSON; with a key, served, until its token
 * bucket is empty: then 429 `rate_limited` with `Retry-After`; each key has its own bucket (one
 * from the keys file with its own rate).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessFleet } from './fleet/in-process.js';
import { startInProcessFleet } from './fleet/in-process.js';
import type { NatsServer } from './natsServer.js';
import { startNatsServer } from './natsServer.js';

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';

describe('gateway API keys and rate limits', () => {
  let nats: NatsServer;
  let fleet: InProcessFleet;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adagen-keys-'));
    const file = join(dir, 'keys');
    writeFileSync(file, '# name and a roomier limit\nsk-file-0000001 batch 1000 1000\n');
    nats = await startNatsServer();
    fleet = await startInProcessFleet({
      natsUrl: nats.url,
      agents: 1,
      timeScale: 10,
      env: {
        ADAGEN_API_KEYS: 'sk-env-0000001,sk-env-0000002',
        ADAGEN_API_KEYS_FILE: file,
        ADAGEN_RATE_LIMIT_PER_S: '0.5',
        ADAGEN_RATE_LIMIT_BURST: '2',
      },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await nats?.stop();
  });

  const call = (key?: string) =>
    fetch(`${fleet.url}/v1/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
      body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 2 }),
    });

  it('answers 401 with an OpenAI error when the key is missing or wrong', async () => {
    for (const key of [undefined, 'sk-wrong-000000']) {
      const r = await call(key);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(await r.json()).toMatchObject({
        error: { code: 'unauthorized', type: 'authentication_error' },
      });
    }
    const models = await fetch(`${fleet.url}/v1/models`);
    expect(models.status).toBe(401);
    await models.text();
  });

  it('serves a key until its bucket is empty, then 429 rate_limited with Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await call('sk-env-0000001');
      statuses.push(r.status);
      if (r.status === 429) limited ??= r;
      else await r.text();
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited!.json()).toMatchObject({
      error: { code: 'rate_limited', type: 'rate_limit_error' },
    });
    // Another key has its own bucket; the file's key its own, larger rate.
    expect((await call('sk-env-0000002')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call('sk-file-0000001')).status).toBe(200);
  });
});
