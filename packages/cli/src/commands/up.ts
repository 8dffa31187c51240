/**
 * `adagen up`: the live fleet on this machine. Starts a nats-server and every service as its own
 * process (N simulated agents, R replicas of classifier, balancer and planner, an estimator and
 * the gateway), waits until they are ready and the balancers see every agent, prints the
 * gateway's URL and a curl example, shows throughput and SLO attainment from the agents'
 * completion records, and on Ctrl-C / SIGTERM stops everything in order (gateway first, NATS
 * last).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { findProfile } from '@adagen/fleet';
import { generateRandomLlama } from '@adagen/gguf';
import { ADMISSION_MODE_NAMES } from '@adagen/scheduler';
import { oneOf, positiveInt, positiveNumber } from '../args/parse.js';
import { checkPolicy, knownPolicyNames } from '../args/policies.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';
import type { Child, ChildSpec } from './up/children.js';
import { gauge, logTail, missingBuilds, startChild, stopGroup, waitReady } from './up/children.js';
import { watchCompletions } from './up/dashboard.js';
import { NATS_MISSING, ensureNatsServer, startNats } from './up/nats.js';
import { Autoscaler, parseRange } from './up/autoscale.js';
import { assertBindable, freePort } from './up/ports.js';
import { prepareSecureNats, userOf } from './up/secure.js';
import { fleetSpecs } from './up/specs.js';
import type { UpFlags } from './up/specs.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

interface UpRaw {
  agents: string;
  backend: string;
  engine: string[];
  model?: string;
  profile: string;
  policy: string;
  replicas: string;
  sharded: boolean;
  port: string;
  host: string;
  timeScale: string;
  logLevel: string;
  statsEvery: string;
  dir?: string;
  maxModelLen?: string;
  prefixCaching?: string;
  admission: string;
  secure: boolean;
  dashboardPort: string;
  autoscale?: string;
  autoscaleWindowS: string;
}

/** `--sharded` needs a balancer per shard and an agent per shard. */
function shardedUp(replicas: string, agents: string, engineUrls?: readonly string[]): true {
  const shards = positiveInt('--replicas', replicas);
  if (shards < 2)
    throw new UsageError('--sharded', 'expected --replicas 2 or more (one balancer per shard)');
  const count = engineUrls?.length ?? positiveInt('--agents', agents);
  if (count < shards)
    throw new UsageError(
      '--sharded',
      `expected at least as many agents as shards (${count} agents, ${shards} shards)`,
    );
  return true;
}

export function upCommand(io: CliIo): Command {
  return new Command('up')
    .description('start the live fleet (nats-server, services, simulated agents) and serve HTTP')
    .option('--agents <n>', 'agents (instances)', '4')
    .option(
      '--backend <engine>',
      'the agents’ engine: sim (simulated in real time), llama (llama.cpp in each agent, CPU, one thread) or http (an OpenAI-compatible engine per --engine URL)',
      'sim',
    )
    .option(
      '--engine <url>',
      'http: an engine’s base URL (vLLM, SGLang, llama-server, adagen engine serve); repeat for more — one agent per URL',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--model <file.gguf>',
      'llama: the model every agent loads (default: a small random-weight GGUF written to --dir)',
    )
    .option('--profile <name>', 'agents’ latency profile: a100, h100 or a profile name', 'a100')
    .option('--policy <name>', `scheduling policy: ${knownPolicyNames().join(', ')}`, 'adagen')
    .option('--replicas <n>', 'replicas of classifier, balancer and planner', '1')
    .option(
      '--sharded',
      'the balancer replicas as shards: each follows and places on its share of the agents only, and offers another shard what it predicts to miss on all of its own (for large fleets; docs/PERFORMANCE.md, "Balancer shards"; ADAGEN_SHARD_SPILL=false turns the offers off)',
      false,
    )
    .option('--port <n>', 'gateway HTTP port', '8080')
    .option('--host <addr>', 'gateway HTTP address', '127.0.0.1')
    .option(
      '--time-scale <x>',
      'run the simulated engines this many times faster than real time',
      '1',
    )
    .option('--log-level <level>', 'services’ log level (their logs go to --dir)', 'info')
    .option('--stats-every <s>', 'seconds between status lines', '5')
    .option('--dir <path>', 'where logs go (default: a new temp dir)')
    .option('--max-model-len <tokens>', 'agents’ longest prompt pass (default: the profile’s)')
    .option(
      '--prefix-caching <on|off>',
      'the agents’ engines reuse cached prompt prefixes — sim: the simulated engine’s prefix cache (default off); llama: its prompt cache (default on); http: what the engines do (default on). Balancers count cache hits only on agents that cache',
    )
    .option(
      '--admission <mode>',
      'slo: shed (429 + Retry-After) only requests predicted at over 4× their TTFT target everywhere, or when every queue is full; strict: also what the policy predicts misses its SLO everywhere; saturation: llm-d’s detector (every agent at queue ≥ 5 or KV ≥ 0.8); none (or off): admit all',
      'slo',
    )
    .option('--dashboard-port <n>', 'the dashboard’s HTTP port (0: a free port)', '0')
    .option(
      '--autoscale <min..max>',
      'follow the recommender’s adagen_recommended_instances: start agents, drain them (never dropping a request), with hysteresis; --agents is the starting count',
    )
    .option('--autoscale-window-s <s>', 'seconds of traffic per recommendation', '30')
    .option(
      '--secure',
      'NATS with generated per-service nkey users and least-privilege permissions (@adagen/natsconf)',
      false,
    )
    .action(async (raw: UpRaw) => {
      // Every option is checked before anything starts.
      if (findProfile(raw.profile) === undefined)
        throw new UsageError(
          '--profile',
          `unknown profile "${raw.profile}" (try a100, h100 or a built-in profile name)`,
        );
      if (raw.backend !== 'sim' && raw.backend !== 'llama' && raw.backend !== 'http')
        throw new UsageError('--backend', `expected sim, llama or http, got "${raw.backend}"`);
      const engineUrls = checkEngineUrls(raw.backend, raw.engine);
      if (raw.backend === 'http' && raw.autoscale !== undefined)
        throw new UsageError('--autoscale', 'not with --backend http (one agent per --engine URL)');
      if (raw.model !== undefined && raw.backend !== 'llama')
        throw new UsageError('--model', 'only with --backend llama');
      if (raw.model !== undefined && !existsSync(resolve(io.cwd, raw.model)))
        throw new UsageError('--model', `no such file: ${raw.model}`);
      let flags: UpFlags = {
        agents: engineUrls?.length ?? positiveInt('--agents', raw.agents),
        backend: raw.backend,
        ...(engineUrls === undefined ? {} : { engineUrls }),
        ...(raw.model === undefined ? {} : { modelFile: resolve(io.cwd, raw.model) }),
        profile: raw.profile,
        policy: checkPolicy('--policy', raw.policy),
        replicas: positiveInt('--replicas', raw.replicas),
        ...(raw.sharded ? { sharded: shardedUp(raw.replicas, raw.agents, engineUrls) } : {}),
        port: positiveInt('--port', raw.port),
        host: raw.host,
        timeScale: positiveNumber('--time-scale', raw.timeScale),
        logLevel: raw.logLevel,
        admission: oneOfAdmission(raw.admission),
        dashboardPort: nonNegativeInt('--dashboard-port', raw.dashboardPort),
        ...(raw.maxModelLen === undefined
          ? {}
          : { maxModelLen: positiveInt('--max-model-len', raw.maxModelLen) }),
        ...(raw.prefixCaching === undefined
          ? {}
          : {
              prefixCaching: oneOf('--prefix-caching', ['on', 'off'], raw.prefixCaching) === 'on',
            }),
      };
      if (raw.autoscale !== undefined) {
        const range = parseRange('--autoscale', raw.autoscale);
        const windowS = positiveNumber('--autoscale-window-s', raw.autoscaleWindowS);
        flags = {
          ...flags,
          agents: Math.min(range.max, Math.max(range.min, flags.agents)),
          autoscale: { ...range, windowS },
        };
      }
      const statsEveryS = positiveNumber('--stats-every', raw.statsEvery);
      await up(io, flags, statsEveryS, raw.dir, raw.secure);
    });
}

/** `--engine` URLs: required (one or more) with `--backend http`, refused otherwise. */
function checkEngineUrls(backend: string, urls: readonly string[]): string[] | undefined {
  if (backend !== 'http') {
    if (urls.length > 0) throw new UsageError('--engine', 'only with --backend http');
    return undefined;
  }
  if (urls.length === 0)
    throw new UsageError('--engine', 'required with --backend http (e.g. http://127.0.0.1:8000)');
  for (const url of urls)
    if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(url))
      throw new UsageError(
        '--engine',
        `expected an http(s) URL such as http://127.0.0.1:8000, got "${url}"`,
      );
  return [...urls];
}

function nonNegativeInt(flag: string, text: string): number {
  return text.trim() === '0' ? 0 : positiveInt(flag, text);
}

function oneOfAdmission(text: string): string {
  if (!(ADMISSION_MODE_NAMES as readonly string[]).includes(text))
    throw new UsageError(
      '--admission',
      `expected ${ADMISSION_MODE_NAMES.join(', ')}, got "${text}"`,
    );
  return text;
}

async function up(
  io: CliIo,
  given: UpFlags,
  statsEveryS: number,
  dirFlag: string | undefined,
  secureFlag: boolean,
): Promise<void> {
  let flags = given;
  const missing = missingBuilds(repoRoot);
  if (missing.length > 0)
    throw new Error(
      `services are not built (${missing[0]} is missing); run: bash infra/bootstrap.sh`,
    );
  // Checked first: otherwise another process answering /readyz on the port would pass for our
  // gateway, and `up` would print a URL that is not ours.
  io.stderr(`adagen up: checking ${flags.host}:${flags.port} and nats-server…\n`);
  await assertBindable(flags.host, flags.port).catch((error: unknown) => {
    throw new UsageError('--port', error instanceof Error ? error.message : String(error));
  });
  if (flags.dashboardPort !== undefined && flags.dashboardPort !== 0)
    await assertBindable(flags.host, flags.dashboardPort).catch((error: unknown) => {
      throw new UsageError(
        '--dashboard-port',
        error instanceof Error ? error.message : String(error),
      );
    });
  const bin = ensureNatsServer(io.env, repoRoot);
  if (bin === undefined) throw new UsageError('nats-server', NATS_MISSING);
  const dir =
    dirFlag === undefined ? mkdtempSync(join(tmpdir(), 'adagen-up-')) : resolve(io.cwd, dirFlag);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UsageError('--dir', `cannot create ${dir}: ${(error as Error).message}`);
  }
  const say = (line: string) => io.stderr(`adagen up: ${line}\n`);
  if (flags.backend === 'llama' && flags.modelFile === undefined) {
    const modelFile = join(dir, 'random-llama.gguf');
    writeFileSync(modelFile, generateRandomLlama({ seed: 1 }));
    say(`no --model: wrote a random-weight llama GGUF (seed 1) to ${modelFile}`);
    flags = { ...flags, modelFile };
  }
  const secure = secureFlag
    ? await prepareSecureNats(dir, { ...flags, agents: flags.autoscale?.max ?? flags.agents })
    : undefined;
  say(`starting nats-server (logs in ${dir})…`);
  const nats = await startNats(bin, join(dir, 'nats.log'), 15_000, secure?.configFile);
  const groups: Child[][] = [];
  const env = { ...process.env, ADAGEN_LOG_LEVEL: flags.logLevel };
  const launch = (spec: ChildSpec): Child =>
    startChild(
      repoRoot,
      dir,
      secure === undefined
        ? spec
        : {
            ...spec,
            env: { ...spec.env, ADAGEN_NATS_NKEY_SEED_FILE: secure.seedFile(userOf(spec)) },
          },
      env,
    );
  let stopping: Promise<void> | undefined;
  const stopAll = (why: string): Promise<void> => {
    stopping ??= (async () => {
      io.stderr(`\nadagen up: stopping (${why})…\n`);
      for (const group of [...groups].reverse()) await stopGroup(group, 15_000);
      await nats.stop();
      io.stderr(`adagen up: stopped; logs in ${dir}\n`);
    })();
    return stopping;
  };
  try {
    const specs = await fleetSpecs(flags, nats.url, Date.now(), freePort);
    // Start order = dependency order; stop order is the reverse (gateway first).
    for (const group of specs) {
      const first = group[0];
      if (first !== undefined) say(`starting ${group.length} × ${first.service}…`);
      const started = group.map(launch);
      groups.push(started);
      await waitReady(started, 60_000);
    }
    say(
      flags.sharded === true
        ? `waiting until the balancer shards hold the ${flags.agents} agents between them…`
        : `waiting until every balancer sees the ${flags.agents} agents…`,
    );
    await waitForAgents(groups, flags.agents, flags.sharded === true, 30_000);
  } catch (error) {
    await stopAll('start-up failed');
    throw error;
  }
  const url = `http://${flags.host}:${flags.port}`;
  const dashboardSpec = groups.flat().find((c) => c.spec.service === 'dashboard')?.spec;
  const dashboardUrl = `http://${flags.host}:${dashboardSpec?.httpPort ?? '?'}`;
  const agentMetrics = groups
    .flat()
    .filter((c) => c.spec.service === 'agent')
    .map((c) => `    ${c.spec.label}  http://127.0.0.1:${c.spec.httpPort}/metrics`);
  io.stdout(
    [
      `AdaGen fleet up: ${flags.agents} × ${flags.backend === 'llama' ? `llama.cpp agents (${flags.modelFile ?? ''}, predicted from the ${flags.profile} profile, calibrated online)` : flags.backend === 'http' ? `http agents (${(flags.engineUrls ?? []).join(', ')}; predicted from the ${flags.profile} profile, calibrated online)` : `${flags.profile} simulated agents`}, policy ${flags.policy}, ${flags.replicas} replica(s) per step${flags.sharded === true ? ' (the balancers as shards)' : ''}${flags.timeScale === 1 ? '' : `, ×${flags.timeScale} time`}`,
      `  gateway  ${url}  (POST /v1/completions, /v1/chat/completions; GET /v1/models, /metrics)`,
      `  dashboard: ${dashboardUrl}/  (every instance's predicted layout, SLO attainment, decisions)`,
      `  nats     ${nats.url}${secure === undefined ? '' : ` (secure: per-service nkey users, config ${secure.configFile})`}`,
      `  agents' metrics:`,
      ...agentMetrics,
      `  logs     ${dir}`,
      `try:  curl -s ${url}/v1/completions -H 'content-type: application/json' -d '{"model":"meta-llama/Meta-Llama-3-8B-Instruct","prompt":"Hello","max_tokens":32}'`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  const watch = await watchCompletions(
    nats.url,
    flags,
    statsEveryS,
    (line) => io.stdout(`${line}\n`),
    secure?.seedFile('observer'),
  );
  // A child that exits is reported; once a whole step (every replica of it, or the gateway, or
  // every agent) or nats-server is gone the fleet cannot serve, so everything stops and `up`
  // fails rather than printing a status line for a fleet that is not there.
  let fatal: (why: string) => void = () => undefined;
  const failed = new Promise<string>((resolveFailed) => (fatal = resolveFailed));
  const retired = new Set<Child>();
  const watchChild = (group: Child[], c: Child) =>
    void c.exited.then((code) => {
      if (stopping !== undefined || retired.has(c)) return;
      io.stderr(`adagen up: ${c.spec.label} exited (code ${code}):\n${logTail(c)}\n`);
      // The dashboard and the recommender only watch: the fleet serves without them.
      const watcher = c.spec.service === 'dashboard' || c.spec.service === 'recommender';
      if (
        !watcher &&
        group.every((x) => x.process.exitCode !== null || x.process.signalCode !== null)
      )
        fatal(`every ${c.spec.service} exited`);
    });
  for (const group of groups) for (const c of group) watchChild(group, c);
  const scaler = startAutoscaling(flags, groups, retired, launch, watchChild, dir, say);
  void nats.exited.then(() => fatal('nats-server exited'));
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const signalled = new Promise<NodeJS.Signals>((resolveSignal) => {
    onSignal = resolveSignal;
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });
  const outcome = await Promise.race([
    signalled.then((signal) => ({ signal })),
    failed.then((why) => ({ why })),
  ]);
  if (onSignal !== undefined) {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  await watch.stop();
  if (scaler !== undefined) {
    const used = scaler.stop();
    io.stdout(
      `autoscale: ${used.instanceSeconds.toFixed(0)} instance-seconds over ${used.seconds.toFixed(0)} s (a fixed fleet of ${flags.autoscale!.max} would use ${(flags.autoscale!.max * used.seconds).toFixed(0)}); decisions in ${dir}/autoscale.jsonl\n`,
    );
  }
  if ('signal' in outcome) {
    await stopAll(outcome.signal);
    return;
  }
  await stopAll(outcome.why);
  throw new Error(`the fleet stopped: ${outcome.why}; logs in ${dir}`);
}

/** `--autoscale`: the autoscaler over the agents group, following the recommender. */
function startAutoscaling(
  flags: UpFlags,
  groups: Child[][],
  retired: Set<Child>,
  launch: (spec: ChildSpec) => Child,
  watchChild: (group: Child[], c: Child) => void,
  dir: string,
  say: (line: string) => void,
): Autoscaler | undefined {
  const a = flags.autoscale;
  const agents = groups.find((g) => g[0]?.spec.service === 'agent');
  const recommender = groups.flat().find((c) => c.spec.service === 'recommender');
  if (a === undefined || agents === undefined || recommender === undefined) return undefined;
  const scaler = new Autoscaler({
    range: a,
    recommenderPort: recommender.spec.httpPort,
    periodMs: a.windowS * 1000,
    agents,
    retired,
    dir,
    say,
    start: async (spec) => {
      const c = launch(spec);
      watchChild(agents, c);
      await waitReady([c], 60_000);
      return c;
    },
  });
  scaler.start();
  say(
    `autoscaling ${a.min}..${a.max} agents every ${a.windowS} s (recommender ${recommender.spec.label})`,
  );
  return scaler;
}

/** Waits until every balancer sees all the agents (shards: until their shares add up to all). */
async function waitForAgents(
  groups: Child[][],
  agents: number,
  sharded: boolean,
  timeoutMs: number,
): Promise<void> {
  const balancers = groups.flat().filter((c) => c.spec.service === 'balancer');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const seen = await Promise.all(
      balancers.map((b) => gauge(b.spec.httpPort, 'adagen_instances')),
    );
    const held = sharded
      ? seen.every((n) => (n ?? 0) > 0) && seen.reduce<number>((a, n) => a + (n ?? 0), 0) === agents
      : seen.every((n) => n === agents);
    if (held) return;
    if (Date.now() > until)
      throw new Error(
        `balancers see ${seen.join(', ')} agents, expected ${sharded ? `${agents} between them, each some` : agents}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
