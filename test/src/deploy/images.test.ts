/**
 * Image smoke test: the fleet of infra/k8s/values.sim.yaml run from the images
 * (`bash infra/images/build.sh`) in containers on host networking — nats-server from
 * adagen/nats-server with the generated users and permissions, each pod's AdaGen container from
 * adagen/adagen with the command, user and variables its manifest gives (NATS address and ops
 * port replaced for one machine; its seed Secret mounted where the manifest mounts it) — and a
 * completion served through the gateway. A documented command, not CI: `bash infra/images/smoke.sh`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_AUTH_KEY, SEED_DIR } from '@adagen/deploy';
import type { StartedTestContainer } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { natsImage, prepareTestcontainersEnv } from '../container.js';
import { startNatsServer } from '../natsServer.js';
import { freePorts } from '../ports.js';
import { expandedEnv, podName, renderValuesFile, secretFileAt, serviceOf } from './manifests.js';

const asked = process.env.ADAGEN_IMAGE_SMOKE === '1';
const skipReason = asked
  ? undefined
  : 'a documented command, not CI: bash infra/images/smoke.sh (builds the images, then runs this)';

async function waitOk(url: string, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${what}: ${url} not 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skipReason !== undefined)(
  `the fleet from the images${skipReason === undefined ? '' : ` — skipped: ${skipReason}`}`,
  () => {
    it('serves a completion from containers started as the manifests say', async () => {
      prepareTestcontainersEnv();
      const { GenericContainer } = await import('testcontainers');
      const r = renderValuesFile('values.sim.yaml');
      const image = `${r.values.image.repository}:${r.values.image.tag}`;
      const auth = r.secrets.get(`${r.values.release}-nats-auth`)?.[NATS_AUTH_KEY] ?? '';
      // ADAGEN_NATS_MODE=container (smoke.sh sets it): the server runs from adagen/nats-server.
      await using nats = await startNatsServer({ config: auth });
      expect(nats.mode, `nats from ${natsImage()}`).toBe('container');
      const dir = await mkdtemp(join(tmpdir(), 'adagen-images-'));
      const started: Array<{ pod: string; c: StartedTestContainer; url: string }> = [];
      try {
        const order = ['agent', 'estimator', 'planner', 'balancer', 'classifier', 'gateway'];
        const pods = r.controllers
          .flatMap((c) => c.spec.template.spec.containers.map((container) => ({ c, container })))
          .filter(({ container }) => serviceOf(container) !== undefined)
          .sort(
            (a, b) =>
              order.indexOf(serviceOf(a.container) ?? '') -
              order.indexOf(serviceOf(b.container) ?? ''),
          );
        for (const { c, container } of pods)
          for (let ordinal = 0; ordinal < c.spec.replicas; ordinal++) {
            const pod = podName(c, ordinal);
            const [port = 0] = await freePorts(1);
            const env: Record<string, string> = {
              ...expandedEnv(container, pod),
              ADAGEN_NATS_SERVERS: nats.url,
              ADAGEN_HTTP_HOST: '127.0.0.1',
              ADAGEN_HTTP_PORT: String(port),
              ADAGEN_LOG_LEVEL: 'warn',
            };
            // The pod's seed Secret, as the volume the manifest mounts at SEED_DIR.
            const file = secretFileAt(c, container, env.ADAGEN_NATS_NKEY_SEED_FILE ?? '');
            const secret = r.secrets.get(file?.secret ?? '') ?? {};
            const seeds = join(dir, pod);
            await mkdir(seeds);
            for (const [key, value] of Object.entries(secret))
              await writeFile(join(seeds, key), value, { mode: 0o644 });
            const started1 = await new GenericContainer(image)
              .withNetworkMode('host')
              .withUser('10001:10001')
              .withEntrypoint(container.command ?? [])
              .withCommand(container.args ?? [])
              .withWorkingDir('/app')
              .withEnvironment(env)
              .withBindMounts([{ source: seeds, target: SEED_DIR, mode: 'ro' }])
              .withLabels({ 'org.adagen.testkit.owner': String(process.pid) })
              .start();
            const url = `http://127.0.0.1:${port}`;
            started.push({ pod, c: started1, url });
            await waitOk(`${url}/readyz`, 30_000, pod);
          }
        const gateway = started.find((s) => s.pod.includes('-gateway-'));
        let res: Response | undefined;
        for (let attempt = 0; attempt < 6; attempt++) {
          res = await fetch(`${gateway?.url ?? ''}/v1/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: r.values.models[0],
              prompt: 'served from containers',
              max_tokens: 8,
              ignore_eos: true,
            }),
            signal: AbortSignal.timeout(30_000),
          });
          if (res.status !== 429 && res.status !== 503) break;
          await res.arrayBuffer();
          await new Promise((ok) =>
            setTimeout(ok, Number(res?.headers.get('retry-after') ?? '1') * 1000),
          );
        }
        const text = (await res?.text()) ?? '';
        process.stderr.write(
          `[images] ${started.length} AdaGen containers (${image}) + nats-server (${natsImage()}), host networking; POST /v1/completions → ${res?.status}: ${text}\n`,
        );
        expect(res?.status, text).toBe(200);
        expect((JSON.parse(text) as { usage: { completion_tokens: number } }).usage).toMatchObject({
          completion_tokens: 8,
        });
      } finally {
        for (const { c } of started.reverse()) await c.stop({ timeout: 5000 });
        await rm(dir, { recursive: true, force: true });
      }
    }, 180_000);
  },
);
