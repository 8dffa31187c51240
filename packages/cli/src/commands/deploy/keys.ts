/**
 * The fleet's nkey seeds for `adagen deploy render`: kept in `--keys <dir>` as `<user>.nk`
 * (mode 600, the layout infra/nats/generate.sh uses), new ones created for users that have none;
 * without a dir, made for this render only.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';

const newSeed = (): string => new TextDecoder().decode(createUser().getSeed());

export async function seedsFor(
  users: readonly string[],
  dir: string | undefined,
): Promise<{ seeds: Record<string, string>; created: number }> {
  const seeds: Record<string, string> = {};
  let created = 0;
  if (dir !== undefined) await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const user of users) {
    const file = dir === undefined ? undefined : join(dir, `${user}.nk`);
    if (file !== undefined && existsSync(file)) {
      seeds[user] = (await readFile(file, 'utf8')).trim();
      continue;
    }
    const seed = newSeed();
    created += 1;
    seeds[user] = seed;
    if (file !== undefined) {
      await writeFile(file, `${seed}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    }
  }
  return { seeds, created };
}
