/**
 * The fleet across three hosts with real network boundaries: each host a network namespace with
 * its own address, cabled to a switch; one NATS cluster node per host (routes between the hosts,
 * JetStream on); the gateway on h0; classifier, balancer and planner replicas on every host; the
 * agents on h1 and h2. Traffic flows; then h2's cable is pulled for a while and plugged back:
 * requests keep being served by h1's agents, the requests h2 held end with one outcome each, and
 * once the link is back the NATS routes and the fleet re-form (every balancer sees all agents and
 * h2's agents serve again). Skipped, with the reason, where namespaces cannot be made.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../faults/client.js';
import { summarize } from '../faults/tally.js';
import { repoRoot } from '../deploy/manifests.js';
import { removeDir, startNatsNodes, startServiceIn } from './fleet.js';
import type { HostProcess, ServiceSpec } from './fleet.js';
import { makeHosts, namespacesUnavailable } from './netns.js';
import { relayBuilt, startRelay } from './relay-client.js';

const built =
  relayBuilt() && existsSync(join(repoRoot, 'services', 'gateway', 'dist', 'main.js'))
    ? undefined
    : 'the workspace is not built (pnpm build)';
// 19 processes on three hosts: too heavy for CI on a 2-core machine; a documented command
// (`pnpm --filter @adagen/testkit test:multihost`, docs/DEPLOY.md).
const skipReason =
  process.env.ADAGEN_MULTIHOST === '1'
    ? (built ?? namespacesUnavailable())
    : 'a documented command, not CI: ADAGEN_MULTIHOST=1 (pnpm --filter @adagen/testkit test:multihost)';
if (skipReason !== undefined && process.env.ADAGEN_MULTIHOST === '1')
  process.stderr.write(`[multihost] skipped: ${skipReason}\n`);

const LOST = 2;
/** The gateway's request deadline, and the client's own limit (3× it): no outcome by then is hung. */
const DEADLINE_MS = 15_000;
const CLIENT_TIMEOUT_MS = 3 * DEADLINE_MS;
const LAYOUT: readonly ServiceSpec[] = [
  { service: 'agent', host: 1, env: { ADAGEN_INSTANCE_ID: 'agent-0' } },
  { service: 'agent', host: 1, env: { ADAGEN_INSTANCE_ID: 'agent-1' } },
  { service: 'agent', host: 2, env: { ADAGEN_INSTANCE_ID: 'agent-2' } },
  { service: 'agent', host: 2, env: { ADAGEN_INSTANCE_ID: 'agent-3' } },
  { service: 'estimator', host: 0 },
  { service: 'estimator', host: 2 },
  ...[0, 1, 2].flatMap((host): ServiceSpec[] => [
    { service: 'planner', host, env: { ADAGEN_PLANNER_ID: `plan-${host}` } },
    { service: 'balancer', host, env: { ADAGEN_BALANCER_ID: `bal-${host}` } },
    // The character tokenizer: loading Llama 3's in 3 processes at once is slow on 2 cores.
    { service: 'classifier', host, env: { ADAGEN_TOKENIZER: 'chars' } },
  ]),
  {
    service: 'gateway',
    host: 0,
    env: {
      ADAGEN_GATEWAY_ID: 'gw-0',
      ADAGEN_REQUEST_TIMEOUT_MS: String(DEADLINE_MS),
      ADAGEN_ATTEMPT_TIMEOUT_MS: '4000',
      ADAGEN_STALE_AFTER_MIN_WALL_MS: '2000',
    },
  },
];

const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const body = (i: number) => ({
  model: MODEL,
  prompt: `multihost ${i} `.repeat(20),
  max_tokens: 40,
  ignore_eos: true,
  stream: i % 2 === 0,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gauge = (text: string, name: string): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);

describe.skipIf(skipReason !== undefined)(
  `a fleet across three hosts (network namespaces)${skipReason === undefined ? '' : ` — skipped: ${skipReason}`}`,
  () => {
    it('keeps serving while a host is cut off, ends its requests once each, and re-forms', async () => {
      const hosts = makeHosts(3);
      const relay = startRelay(hosts.exec(0));
      const procs: HostProcess[] = [];
      let natsDir: string | undefined;
      try {
        const nats = await startNatsNodes(hosts, relay);
        natsDir = nats.dir;
        procs.push(...nats.nodes);
        await nats.routesUp(30_000);
        const env = {
          ADAGEN_TIME_SCALE: '5',
          ADAGEN_CLOCK_ORIGIN_MS: String(Date.now()),
          ADAGEN_POLICY: 'least-requests',
          ADAGEN_ADMISSION: 'off',
          ADAGEN_LOG_LEVEL: 'warn',
          ADAGEN_DRAIN_GRACE_MS: '2000',
        };
        const services = await Promise.all(
          LAYOUT.map((spec, k) =>
            startServiceIn(
              hosts,
              relay,
              spec,
              spec.service === 'gateway' ? 8080 : 9100 + k,
              env,
              `${spec.service}#${k}@h${spec.host}`,
            ),
          ),
        );
        procs.push(...services);
        const byService = (s: string) => services.filter((p) => p.label.startsWith(`${s}#`));
        /** Agents each balancer sees (only those reachable from h0: not h2's while it is cut off). */
        const views = async (reachable: (host: number) => boolean) =>
          Promise.all(
            byService('balancer')
              .filter((b) => reachable(b.host))
              .map(async (b) =>
                gauge((await relay.get(`${b.url}/metrics`)).text, 'adagen_instances'),
              ),
          );
        const waitViews = async (want: readonly number[], timeoutMs: number) => {
          const t0 = Date.now();
          for (;;) {
            const seen = await views((host) => want.length === 3 || host !== LOST);
            if (seen.length === want.length && seen.every((v, i) => v === want[i]))
              return Date.now() - t0;
            if (Date.now() - t0 > timeoutMs)
              throw new Error(`balancers see ${seen.join(', ')} agents; wanted ${want.join(', ')}`);
            await sleep(100);
          }
        };
        await waitViews([4, 4, 4], 20_000);

        const gatewayUrl = `${byService('gateway')[0]?.url ?? ''}/v1/completions`;
        const lostAgents = services.filter((p) => p.label.startsWith('agent#') && p.host === LOST);
        const finishedOnLost = async () => {
          const texts = await Promise.all(lostAgents.map((a) => relay.get(`${a.url}/metrics`)));
          return texts.reduce((s, t) => s + gauge(t.text, 'adagen_agent_finished_total'), 0);
        };
        let i = 0;
        const sendFor = async (ms: number): Promise<Promise<Outcome>[]> => {
          const sent: Promise<Outcome>[] = [];
          const until = Date.now() + ms;
          while (Date.now() < until) {
            sent.push(relay.send(gatewayUrl, body(i++), CLIENT_TIMEOUT_MS));
            await sleep(60);
          }
          return sent;
        };

        const before = await sendFor(3000);
        hosts.setLink(LOST, false);
        const cutViews = waitViews([2, 2], 10_000);
        const during = await sendFor(8000);
        const cutViewsMs = await cutViews;
        hosts.setLink(LOST, true);
        const linkBackAt = Date.now();
        await nats.routesUp(30_000);
        const routesMs = Date.now() - linkBackAt;
        const reformMs = (await waitViews([4, 4, 4], 30_000)) + routesMs;
        const lostFinishedBefore = await finishedOnLost();
        const after = await sendFor(4000);

        const outcomes = {
          before: await Promise.all(before),
          during: await Promise.all(during),
          after: await Promise.all(after),
        };
        const lostFinishedAfter = await finishedOnLost();
        const s = {
          before: summarize('multi-host: before the cut (3 hosts, 4 agents)', outcomes.before),
          during: summarize(
            `multi-host: h${LOST} cut off (its 2 agents and a replica of each stage)`,
            outcomes.during,
            {
              'views without h2 after (ms)': cutViewsMs,
            },
          ),
          after: summarize('multi-host: after the link is back', outcomes.after, {
            'routes back after (ms)': routesMs,
            'fleet re-formed after (ms)': reformMs,
            'finished on h2 agents after re-forming': lostFinishedAfter - lostFinishedBefore,
          }),
        };
        const odd = [...outcomes.before, ...outcomes.during, ...outcomes.after].filter(
          (o) => o.kind !== 'completed',
        );
        const messages = new Map<string, number>();
        for (const o of odd) {
          const m = `${o.kind} ${o.code ?? ''}: ${(o.message ?? '').replace(/[0-9a-f]{32}/g, '<id>').replace(/\d+/g, 'N')}`;
          messages.set(m, (messages.get(m) ?? 0) + 1);
        }
        for (const [m, n] of messages) process.stderr.write(`[multihost] ${n} × ${m}\n`);
        for (const o of odd.filter((x) => x.kind === 'lost' || x.kind === 'hung').slice(0, 10))
          process.stderr.write(
            `[multihost] ${o.kind}: status ${o.status}, tokens ${o.tokens}, ${Math.round(o.ms)} ms, ${JSON.stringify(o.headers)}\n`,
          );
        for (const part of Object.values(s)) expect([part.lost, part.hung]).toEqual([0, 0]);
        // Which requests complete depends on the machine's speed (attempts time out on a busy
        // one); that each ends once, and that traffic flows in every phase, does not.
        expect(s.before.completed, 'traffic flows').toBeGreaterThan(0);
        expect(s.during.completed, 'requests keep flowing on the other hosts').toBeGreaterThan(0);
        expect(s.after.completed, 'traffic flows after').toBeGreaterThan(0);
        expect(lostFinishedAfter, 'h2 agents serve again').toBeGreaterThan(lostFinishedBefore);
      } catch (error) {
        for (const p of procs) process.stderr.write(`--- ${p.label}\n${p.output().slice(-2000)}\n`);
        throw error;
      } finally {
        relay.close();
        await Promise.all(procs.map((p) => p.stop()));
        hosts.destroy();
        if (natsDir !== undefined) await removeDir(natsDir);
      }
    }, 180_000);
  },
);
