/**
 * `adagen dash --nats URL`: the dashboard (services/dashboard) against any running fleet — each
 * instance's predicted layout, fleet SLO attainment, shed and abandoned over time, the balancers'
 * decisions with their reasons — served on `--port` until Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { positiveInt, positiveNumber } from '../args/parse.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';
import { logTail, missingBuilds, startChild, stopGroup, waitReady } from './up/children.js';
import { assertBindable } from './up/ports.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

interface DashRaw {
  nats: string;
  port: string;
  host: string;
  metrics?: string;
  recommender?: string;
  timeScale: string;
  clockOriginMs: string;
  nkeySeedFile?: string;
  logLevel: string;
}

export function dashCommand(io: CliIo): Command {
  return new Command('dash')
    .description('serve the live dashboard for a running fleet (reads its NATS feeds)')
    .requiredOption('--nats <url>', 'the fleet’s NATS server(s), comma-separated')
    .option('--port <n>', 'dashboard HTTP port', '8090')
    .option('--host <addr>', 'dashboard HTTP address', '127.0.0.1')
    .option(
      '--metrics <urls>',
      'balancers’ and gateways’ /metrics URLs (shed and deadline counts), comma-separated',
    )
    .option('--recommender <url>', 'the recommender’s /metrics URL (recommended instances)')
    .option('--time-scale <x>', 'the fleet’s --time-scale (simulated agents)', '1')
    .option('--clock-origin-ms <ms>', 'the fleet’s clock origin (with --time-scale ≠ 1)', '0')
    .option('--nkey-seed-file <path>', 'NATS nkey seed of the observer user (secure fleets)')
    .option('--log-level <level>', 'the dashboard’s log level', 'info')
    .action(async (raw: DashRaw) => {
      const port = positiveInt('--port', raw.port);
      positiveNumber('--time-scale', raw.timeScale);
      for (const u of raw.nats.split(','))
        if (!/^(nats|tls|wss?):\/\//.test(u.trim()))
          throw new UsageError('--nats', `expected nats://host:port, got "${u}"`);
      const missing = missingBuilds(repoRoot);
      if (missing.length > 0)
        throw new Error(`not built (${missing[0]} is missing); run: bash infra/bootstrap.sh`);
      await assertBindable(raw.host, port).catch((error: unknown) => {
        throw new UsageError('--port', error instanceof Error ? error.message : String(error));
      });
      await dash(io, raw, port);
    });
}

async function dash(io: CliIo, raw: DashRaw, port: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'adagen-dash-'));
  const env: Record<string, string> = {
    ADAGEN_NATS_SERVERS: raw.nats,
    ADAGEN_HTTP_HOST: raw.host,
    ADAGEN_HTTP_PORT: String(port),
    ADAGEN_TIME_SCALE: raw.timeScale,
    ADAGEN_CLOCK_ORIGIN_MS: raw.clockOriginMs,
    ADAGEN_LOG_LEVEL: raw.logLevel,
    ...(raw.metrics === undefined ? {} : { ADAGEN_METRICS_URLS: raw.metrics }),
    ...(raw.recommender === undefined ? {} : { ADAGEN_RECOMMENDER_URL: raw.recommender }),
    ...(raw.nkeySeedFile === undefined ? {} : { ADAGEN_NATS_NKEY_SEED_FILE: raw.nkeySeedFile }),
  };
  const child = startChild(
    repoRoot,
    dir,
    { service: 'dashboard', label: 'dashboard-0', httpPort: port, env },
    process.env,
  );
  try {
    await waitReady([child], 30_000);
  } catch (error) {
    await stopGroup([child], 5_000);
    throw error;
  }
  io.stdout(`dashboard: http://${raw.host}:${port}/  (log ${child.logFile}); Ctrl-C stops it\n`);
  const outcome = await new Promise<string>((resolveOutcome) => {
    process.once('SIGINT', () => resolveOutcome('SIGINT'));
    process.once('SIGTERM', () => resolveOutcome('SIGTERM'));
    void child.exited.then((code) => resolveOutcome(`exited (code ${code})`));
  });
  await stopGroup([child], 10_000);
  if (outcome.startsWith('exited')) throw new Error(`the dashboard ${outcome}:\n${logTail(child)}`);
}
