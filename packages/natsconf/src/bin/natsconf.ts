#!/usr/bin/env node
/**
 * adagen-natsconf: writes a nats-server config for an AdaGen fleet, plus one nkey seed and one
 * env file per user. Existing seeds are kept, so re-running after adding an agent only adds keys.
 *
 *   adagen-natsconf --fleet infra/nats/fleet.example.json --out infra/nats/generated
 *   adagen-natsconf --matrix        # the permission matrix (Markdown)
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createUser, fromSeed } from '@nats-io/nkeys';
import {
  inboxPrefixFor,
  parseFleetSpec,
  passwordEnvName,
  permissionMatrix,
  renderNatsConfig,
  usersOf,
} from '../index.js';
import type { FleetSpec, Principal } from '../index.js';

const USAGE = `usage: adagen-natsconf --fleet <fleet.json> --out <dir>
       adagen-natsconf --matrix
writes <dir>/nats-server.conf, <dir>/keys/<user>.nk (nkey seeds, mode 600) and
<dir>/env/<user>.env (ADAGEN_NATS_* settings for that user's service)`;

/** The seed in `file` (kept from an earlier run) or a new one written there; its public key. */
async function userKey(file: string): Promise<string> {
  if (existsSync(file)) {
    const seed = (await readFile(file, 'utf8')).trim();
    return fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  }
  const kp = createUser();
  await writeFile(file, `${new TextDecoder().decode(kp.getSeed())}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return kp.getPublicKey();
}

function envFile(fleet: FleetSpec, who: Principal, seedFile: string): string {
  const lines = [`# ${who.name}: settings for @adagen/runtime (parseConfig reads ADAGEN_*)`];
  if (fleet.auth === 'nkey') lines.push(`ADAGEN_NATS_NKEY_SEED_FILE=${seedFile}`);
  else
    lines.push(
      `ADAGEN_NATS_USER=${who.name}`,
      `# ADAGEN_NATS_PASS: the value of ${passwordEnvName(who.name)} on the server`,
    );
  if (fleet.inboxes === 'private') lines.push(`ADAGEN_NATS_INBOX_PREFIX=${inboxPrefixFor(who)}`);
  if (fleet.tls?.caFile !== undefined) lines.push(`ADAGEN_NATS_TLS_CA_FILE=${fleet.tls.caFile}`);
  return `${lines.join('\n')}\n`;
}

async function generate(fleetFile: string, outDir: string): Promise<void> {
  const fleet = parseFleetSpec(JSON.parse(await readFile(fleetFile, 'utf8')) as unknown);
  const out = resolve(outDir);
  await mkdir(join(out, 'keys'), { recursive: true, mode: 0o700 });
  await mkdir(join(out, 'env'), { recursive: true });
  const keys: Record<string, string> = {};
  for (const who of usersOf(fleet)) {
    const seedFile = join(out, 'keys', `${who.name}.nk`);
    if (fleet.auth === 'nkey') keys[who.name] = await userKey(seedFile);
    await writeFile(join(out, 'env', `${who.name}.env`), envFile(fleet, who, seedFile));
  }
  const confFile = join(out, 'nats-server.conf');
  await writeFile(confFile, renderNatsConfig(fleet, keys));
  console.log(`wrote ${confFile} (${usersOf(fleet).length} users, auth ${fleet.auth})`);
  if (fleet.auth === 'password')
    console.log(
      `set on the server: ${usersOf(fleet)
        .map((u) => passwordEnvName(u.name))
        .join(' ')}`,
    );
  console.log(`run: nats-server -c ${confFile}`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      fleet: { type: 'string' },
      out: { type: 'string' },
      matrix: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.matrix) {
    console.log(permissionMatrix());
    return 0;
  }
  if (values.fleet === undefined || values.out === undefined) {
    console.error(USAGE);
    return 2;
  }
  await generate(values.fleet, values.out);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`adagen-natsconf: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
