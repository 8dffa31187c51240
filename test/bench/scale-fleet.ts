/**
 * The fleet the fleet-scale benchmark drives: simulated agents in agent-host processes, a planner
 * and balancer replicas as processes, and one request down `svc.balance` (the classifier's
 * message) at a time.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classificationToWire, createFleetClock } from '@adagen/fleet';
import { classificationSchema, createCodec, planResultSchema, subjects } from '@adagen/protocol';
import type { InferenceRequest, PlanResult } from '@adagen/protocol';
import type { NatsConnection } from '@nats-io/nats-core';
import { ADAGEN_ERROR_CODE_HEADER } from '@adagen/runtime';
import { connect } from '@nats-io/transport-node';
import { startServiceProcess } from '../src/fleet/processes.js';
import type { ServiceProcess } from '../src/fleet/processes.js';
import { scrape } from '../src/faults/metrics.js';
import { sleep } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface ScaleSetup {
  readonly agents: number;
  /** Agent-host processes the agents are spread over. */
  readonly hosts: number;
  readonly timeScale: number;
  readonly policy: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface Fleet {
  readonly nc: NatsConnection;
  readonly planner: ServiceProcess;
  readonly balancers: ServiceProcess[];
  readonly agentHosts: ChildProcess[];
  readonly clock: ReturnType<typeof createFleetClock>;
  stop(): Promise<void>;
}

function startAgentHost(index: number, count: number, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@adagen/source',
      join(here, 'agent-host.ts'),
      String(count),
      `agent-h${index}`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`agent host ${index} exited ${code}`)));
  });
}

async function instancesSeen(p: ServiceProcess): Promise<number> {
  try {
    return await scrape(p.httpPort, 'adagen_instances');
  } catch {
    return 0;
  }
}

/**
 * Agents, a planner and `balancers` balancer replicas, once every one sees every agent (or, with
 * `sharded`, each balancer replica a shard of its own: once each holds its share).
 */
export async function startFleet(
  setup: ScaleSetup,
  natsUrl: string,
  stateMode: string,
  balancers: number,
  sharded = false,
): Promise<Fleet> {
  const originMs = Date.now();
  const env = {
    ADAGEN_NATS_SERVERS: natsUrl,
    ADAGEN_LOG_LEVEL: 'warn',
    ADAGEN_POLICY: setup.policy,
    ADAGEN_TIME_SCALE: String(setup.timeScale),
    ADAGEN_CLOCK_ORIGIN_MS: String(originMs),
    ADAGEN_STATE_MODE: stateMode,
    ADAGEN_ADMISSION: 'off',
    ADAGEN_DRAIN_GRACE_MS: '200',
  };
  const hostProcs: ChildProcess[] = [];
  const procs: ServiceProcess[] = [];
  const bal: ServiceProcess[] = [];
  let nc: NatsConnection | undefined;
  const stop = async () => {
    await nc?.close();
    for (const h of hostProcs) h.stdin?.end();
    await Promise.all(
      hostProcs.map(
        (h) => new Promise((r) => (h.exitCode === null ? h.once('exit', r) : r(undefined))),
      ),
    );
    for (const p of [...procs].reverse()) await p.stop();
  };
  try {
    for (let h = 0; h < setup.hosts; h++) {
      const n = Math.floor(setup.agents / setup.hosts) + (h < setup.agents % setup.hosts ? 1 : 0);
      hostProcs.push(await startAgentHost(h, n, env));
    }
    const planner = await startServiceProcess('planner', env);
    procs.push(planner);
    const shards = sharded ? balancers : 1;
    for (let i = 0; i < balancers; i++) {
      const shard: Record<string, string> =
        shards > 1 ? { ADAGEN_SHARDS: String(shards), ADAGEN_SHARD: String(i) } : {};
      bal.push(await startServiceProcess('balancer', { ...env, ...shard }));
      procs.push(bal.at(-1)!);
    }
    for (const p of [...bal, planner]) {
      const until = Date.now() + 60_000;
      const share = p === planner ? setup.agents : Math.floor(setup.agents / shards);
      while ((await instancesSeen(p)) < share) {
        if (Date.now() > until) throw new Error(`${p.name} does not see ${share} agents`);
        await sleep(200);
      }
    }
    nc = await connect({ servers: natsUrl, name: 'bench-scale-driver' });
    const clock = createFleetClock({
      timeScale: setup.timeScale,
      originMs,
      wallNowMs: () => performance.timeOrigin + performance.now(),
    });
    return { nc, planner, balancers: bal, agentHosts: hostProcs, clock, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const classificationCodec = createCodec(classificationSchema);
const resultCodec = createCodec(planResultSchema);
let serial = 0;

/** One request down `svc.balance`; the plan result and the round trip (wall ms). */
export async function balanceOnce(
  setup: ScaleSetup,
  f: Fleet,
  /** Why a request failed (the plan result's error, or the request's), when it did. */
  onError?: (why: string) => void,
): Promise<{ result: PlanResult; roundTripMs: number } | undefined> {
  const { promptTokens, outputTokens } = setup;
  const now = f.clock.nowMs();
  const requestId = `bench-${process.pid}-${serial++}`;
  const request: InferenceRequest = {
    v: 1,
    type: 'inference_request',
    requestId,
    gatewayId: 'bench-gw',
    attempt: 0,
    receivedAtMs: now,
    deadlineAtMs: now + 600_000,
    model: 'meta-llama/Meta-Llama-3-8B-Instruct',
    endpoint: 'completions',
    promptTokens,
    maxTokens: outputTokens,
    stream: true,
    targetOutputTokens: outputTokens,
  };
  const c = classificationToWire(
    {
      request: { id: requestId, arrivalMs: now, promptTokens, maxTokens: outputTokens },
      predictedOutputTokens: outputTokens,
      prefill: 'short',
      decode: 'long',
      thresholds: { prefillTokens: 1024, outputTokens: 256 },
    },
    request,
  );
  const t0 = performance.now();
  try {
    const reply = await f.nc.request(subjects.balance, classificationCodec.encode(c), {
      timeout: 30_000,
    });
    const serviceError = reply.headers?.get('Nats-Service-Error');
    if (serviceError) {
      onError?.(`${reply.headers?.get(ADAGEN_ERROR_CODE_HEADER) ?? 'error'}: ${serviceError}`);
      return undefined;
    }
    const r = resultCodec.decode(reply.data);
    if (!r.ok) {
      onError?.(`${r.error.code}: ${r.error.message}`);
      return undefined;
    }
    return { result: r.value, roundTripMs: performance.now() - t0 };
  } catch (error) {
    onError?.((error as Error).message);
    return undefined;
  }
}
