import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, describeConfig, envName, flagName, parseConfig } from './config.js';
import { configField } from './config-fields.js';
import { runtimeConfigSchema } from './runtime-config.js';

const schema = z.object({
  natsServers: configField.list().default(['nats://127.0.0.1:4222']),
  drainGraceMs: configField.int(0, 60_000).default(10_000),
  verbose: configField.boolean().default(false),
  instanceId: configField.string(),
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('maps keys to variables and flags', () => {
    expect(envName('drainGraceMs')).toBe('ADAGEN_DRAIN_GRACE_MS');
    expect(flagName('natsServers')).toBe('--nats-servers');
  });

  it('applies defaults, then env, then flags', () => {
    const config = parseConfig(schema, {
      env: { ADAGEN_INSTANCE_ID: 'gpu-1', ADAGEN_DRAIN_GRACE_MS: '500' },
      argv: ['--drain-grace-ms=750', '--verbose', '--nats-servers', 'nats://a:1, nats://b:2'],
    });
    expect(config).toEqual({
      instanceId: 'gpu-1',
      drainGraceMs: 750,
      verbose: true,
      natsServers: ['nats://a:1', 'nats://b:2'],
    });
    expect(parseConfig(schema, { env: { ADAGEN_INSTANCE_ID: 'x' } }).drainGraceMs).toBe(10_000);
  });

  it('names the variable, what was expected and what was given', () => {
    const error = errorOf(() =>
      parseConfig(schema, { env: { ADAGEN_DRAIN_GRACE_MS: 'soon', ADAGEN_INSTANCE_ID: 'a' } }),
    );
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(
      'ADAGEN_DRAIN_GRACE_MS: expected number, received NaN, given "soon"',
    );
  });

  it('names the flag when the bad value came from a flag, and reports missing options', () => {
    const error = errorOf(() => parseConfig(schema, { argv: ['--drain-grace-ms', '99999999'] }));
    expect(error.issues.map((i) => i.path)).toEqual([
      '--drain-grace-ms',
      'ADAGEN_INSTANCE_ID / --instance-id',
    ]);
    expect(error.message).toMatch(/--drain-grace-ms: Too big.*given "99999999"/);
    expect(error.message).toMatch(/--instance-id: expected string, received undefined, not given/);
  });

  it('rejects unknown flags, listing the known ones, and bad booleans', () => {
    const unknown = errorOf(() => parseConfig(schema, { argv: ['--instance-id', 'a', '--nope'] }));
    expect(unknown.message).toContain('--nope: unknown flag; known flags: --nats-servers');
    const bool = errorOf(() =>
      parseConfig(schema, { argv: ['--instance-id=a', '--verbose=maybe'] }),
    );
    expect(bool.message).toContain('--verbose: expected boolean, received string, given "maybe"');
  });

  it('parses the shared runtime options with their documented defaults', () => {
    const config = parseConfig(runtimeConfigSchema, { env: {} });
    expect(config).toMatchObject({
      natsServers: ['nats://127.0.0.1:4222'],
      logLevel: 'info',
      httpPort: 0,
      drainGraceMs: 10_000,
    });
    const help = describeConfig(runtimeConfigSchema).join('\n');
    expect(help).toContain('--drain-grace-ms / ADAGEN_DRAIN_GRACE_MS (default 10000)');
    expect(help).toContain('--nats-creds-file / ADAGEN_NATS_CREDS_FILE (optional)');
  });
});
