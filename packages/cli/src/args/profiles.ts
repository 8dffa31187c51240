/** `--profile a100 | h100 | <profile name> | <file.json>` → a validated latency profile. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LatencyProfile } from '@adagen/engine';
import { builtinProfiles, loadProfile } from '@adagen/engine';
import { UsageError } from './usage-error.js';

const aliases: Readonly<Record<string, string>> = {
  a100: 'llama-3-8b_a100-80gb_tp1',
  h100: 'llama-3-8b_h100-80gb_tp1',
};

export async function resolveProfileFlag(
  text: string,
  cwd: string,
  flag = '--profile',
): Promise<LatencyProfile> {
  const name = aliases[text.toLowerCase()] ?? text;
  const builtin = builtinProfiles[name];
  if (builtin) return builtin;
  if (!text.endsWith('.json')) {
    throw new UsageError(
      flag,
      `unknown profile "${text}" (expected a100, h100, ${Object.keys(builtinProfiles).join(', ')}, or a .json file)`,
    );
  }
  const path = resolve(cwd, text);
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(flag, `cannot read profile file ${path}`);
  }
  try {
    return loadProfile(json);
  } catch (e) {
    throw new UsageError(flag, `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
