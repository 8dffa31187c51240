import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  describeConfig,
  envName,
  flagName,
  parseConfig,
  serviceConfig,
} from './config.js';
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

describe('serviceConfig', () => {
  const schema = z.object({
    natsServers: z.string().default('nats://127.0.0.1:4222').describe('NATS servers'),
    port: z.coerce.number().int().min(1).max(65535).optional().describe('HTTP port'),
  });
  const proc = (argv: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const exits: number[] = [];
    return {
      out,
      exits,
      argv: ['node', 'main.js', ...argv],
      env,
      stdout: { write: (text: string) => out.push(text) },
      exit: (code: number): never => {
        exits.push(code);
        throw new Error('exited');
      },
    };
  };

  for (const flag of ['--help', '-h']) {
    it(`${flag}: writes the usage and every option with its variable and default, and exits 0`, () => {
      const p = proc(['--port', '80', flag]);
      expect(() => serviceConfig(schema, 'AdaGen test: does things.', p)).toThrow('exited');
      expect(p.exits).toEqual([0]);
      const text = p.out.join('');
      expect(text).toContain('AdaGen test: does things.');
      expect(text).toContain(
        '--nats-servers / ADAGEN_NATS_SERVERS (default "nats://127.0.0.1:4222")  NATS servers',
      );
      expect(text).toContain('--port / ADAGEN_PORT (optional)  HTTP port');
    });
  }

  it('without --help parses the environment and the flags after the script, a flag winning', () => {
    const p = proc(['--port', '8080'], { ADAGEN_PORT: '9090', ADAGEN_NATS_SERVERS: 'nats://a:1' });
    expect(serviceConfig(schema, 'usage', p)).toEqual({ natsServers: 'nats://a:1', port: 8080 });
    expect(p.exits).toEqual([]);
    expect(p.out).toEqual([]);
  });

  it('answers a bad flag with a ConfigError naming it, not with help', () => {
    expect(() => serviceConfig(schema, 'usage', proc(['--bogus', '1']))).toThrow(ConfigError);
  });
});
