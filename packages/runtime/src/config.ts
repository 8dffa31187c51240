import { AdagenError } from '@adagen/protocol';
import type { FieldIssue } from '@adagen/protocol';
import { z } from 'zod';

/** Where configuration comes from. Flags win over environment variables, which win over defaults. */
export interface ConfigSources {
  /** Environment, e.g. `process.env`. Keys are `<prefix><UPPER_SNAKE_KEY>`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments after the script, e.g. `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
  /** @default 'ADAGEN_' */
  readonly envPrefix?: string;
}

/** A configuration error naming the variable or flag, what was expected and what was given. */
export class ConfigError extends AdagenError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[]) {
    super(
      'bad_request',
      `invalid configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}

/** `drainGraceMs` → `ADAGEN_DRAIN_GRACE_MS`. */
export function envName(key: string, prefix = 'ADAGEN_'): string {
  return prefix + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `drainGraceMs` → `--drain-grace-ms`. */
export function flagName(key: string): string {
  return `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

type Raw = Record<string, { value: string; source: string }>;

function readFlags(argv: readonly string[], keys: readonly string[], issues: FieldIssue[]): Raw {
  const byFlag = new Map(keys.map((k) => [flagName(k), k]));
  const raw: Raw = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      issues.push({
        path: JSON.stringify(arg),
        message: 'expected a --flag, got a positional argument',
      });
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (key === undefined) {
      issues.push({
        path: flag,
        message: `unknown flag; known flags: ${[...byFlag.keys()].join(', ')}`,
      });
      continue;
    }
    let value = eq === -1 ? undefined : arg.slice(eq + 1);
    const next = argv[i + 1];
    if (value === undefined && next !== undefined && !next.startsWith('--')) {
      value = next;
      i += 1;
    }
    raw[key] = { value: value ?? 'true', source: flag };
  }
  return raw;
}

/**
 * Parses configuration for `schema` (a zod object whose keys are camelCase option names) from
 * environment variables (`ADAGEN_<KEY>`) and `--kebab-case` flags. Throws {@link ConfigError}
 * listing every bad or missing value by its variable or flag name.
 */
export function parseConfig<S extends z.ZodObject>(
  schema: S,
  sources: ConfigSources = {},
): z.output<S> {
  const prefix = sources.envPrefix ?? 'ADAGEN_';
  const keys = Object.keys(schema.shape);
  const issues: FieldIssue[] = [];
  const raw: Raw = {};
  for (const key of keys) {
    const value = sources.env?.[envName(key, prefix)];
    if (value !== undefined && value !== '') raw[key] = { value, source: envName(key, prefix) };
  }
  Object.assign(raw, readFlags(sources.argv ?? [], keys, issues));
  const input = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const given = raw[key];
      const where = given?.source ?? `${envName(key, prefix)} / ${flagName(key)}`;
      const nested = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
      const detail = given === undefined ? 'not given' : `given ${JSON.stringify(given.value)}`;
      issues.push({ path: where, message: `${stripPrefix(issue.message)}${nested}, ${detail}` });
    }
    throw new ConfigError(issues);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

function stripPrefix(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

/** One line per option: flag, variable, default and description, for `--help`. */
export function describeConfig<S extends z.ZodObject>(schema: S, envPrefix = 'ADAGEN_'): string[] {
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
    const fallback =
      field instanceof z.ZodDefault ? ` (default ${JSON.stringify(field.def.defaultValue)})` : '';
    const optional = fallback === '' && field.isOptional() ? ' (optional)' : '';
    const about = field.description === undefined ? '' : `  ${field.description}`;
    return `${flagName(key)} / ${envName(key, envPrefix)}${fallback}${optional}${about}`;
  });
}

/** The parts of `process` `serviceConfig` uses; injectable for tests. */
export interface ConfigProcess {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  exit(code: number): never | void;
}

/**
 * A service process's configuration from its environment and flags (`parseConfig` on
 * `process.env` and the arguments after the script). With `--help` or `-h` it writes `usage` and
 * every option — flag, variable, default, what it does (`describeConfig`) — to stdout and exits 0.
 */
export function serviceConfig<S extends z.ZodObject>(
  schema: S,
  usage: string,
  proc: ConfigProcess = process,
): z.output<S> {
  const argv = proc.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    proc.stdout.write(
      `${usage}\n\nOptions (flag / environment variable; a flag wins):\n${describeConfig(schema)
        .map((line) => `  ${line}`)
        .join('\n')}\n`,
    );
    proc.exit(0);
  }
  return parseConfig(schema, { env: proc.env, argv });
}
