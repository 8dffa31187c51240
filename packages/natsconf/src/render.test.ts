import { createUser } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import { parseFleetSpec, passwordEnvName, usersOf } from './fleet.js';
import { renderNatsConfig } from './render.js';

const fleet = parseFleetSpec({ agents: ['gpu-1', 'gpu-2'] });
const keys = Object.fromEntries(usersOf(fleet).map((u) => [u.name, createUser().getPublicKey()]));

describe('renderNatsConfig', () => {
  it('one nkey user per principal with its permissions, no secret in the text', () => {
    const text = renderNatsConfig(fleet, keys);
    for (const [name, key] of Object.entries(keys)) {
      expect(text).toContain(`# ${name}: `);
      expect(text).toContain(`nkey: "${key}"`);
    }
    expect(text).toContain('publish: { allow: ["adagen.v1.agent.gpu-2.state", ');
    expect(text).toContain('publish: { deny: [">"] }'); // the estimator publishes nothing
    // No seed: a user seed is a word of 58 base32 characters starting SU. (Not any run of SU and
    // 50 more: a 56-character public key holds one by chance, 51 of 20,000 keys.)
    expect(text).not.toMatch(/\bSU[A-Z2-7]{56}\b/);
    expect(text).not.toContain('no_auth_user');
    expect(text).not.toContain('listen');
  });

  it('refuses a missing or malformed key', () => {
    expect(() => renderNatsConfig(fleet, {})).toThrow(
      /no nkey for user gw-1|no nkey for user gateway-gw-1/,
    );
    expect(() => renderNatsConfig(fleet, { ...keys, classifier: 'SUABC' })).toThrow(
      /classifier is not a user public key/,
    );
  });

  it('password mode reads each password from the server environment', () => {
    const text = renderNatsConfig(parseFleetSpec({ agents: ['gpu-1'], auth: 'password' }));
    expect(text).toContain(`user: "agent-gpu-1", password: $${passwordEnvName('agent-gpu-1')}`);
    expect(passwordEnvName('agent-gpu-1')).toBe('ADAGEN_NATS_PASS_AGENT_GPU_1');
  });

  it('password mode refuses two ids that map to one variable', () => {
    const clash = parseFleetSpec({ agents: ['gpu-1', 'gpu_1'], auth: 'password' });
    expect(() => renderNatsConfig(clash)).toThrow(/two users map to ADAGEN_NATS_PASS_AGENT_GPU_1/);
  });

  it('TLS, listen and the system user when asked', () => {
    const withTls = parseFleetSpec({
      agents: ['gpu-1'],
      listen: '0.0.0.0:4222',
      systemUser: true,
      tls: {
        certFile: '/etc/nats/server.pem',
        keyFile: '/etc/nats/server-key.pem',
        caFile: '/etc/nats/ca.pem',
        verifyClients: true,
      },
    });
    const sysKeys = Object.fromEntries(
      usersOf(withTls).map((u) => [u.name, createUser().getPublicKey()]),
    );
    const text = renderNatsConfig(withTls, sysKeys);
    expect(text).toContain('listen: "0.0.0.0:4222"');
    expect(text).toContain(
      [
        'tls {',
        '  cert_file: "/etc/nats/server.pem"',
        '  key_file: "/etc/nats/server-key.pem"',
        '  ca_file: "/etc/nats/ca.pem"',
        '  verify: true',
        '  timeout: 2',
        '}',
      ].join('\n'),
    );
    expect(text).toContain(`SYS: { users: [ { nkey: "${sysKeys.sys}" } ] }`);
    expect(text).toContain('system_account: SYS');
  });

  it('the fleet spec names its bad field', () => {
    expect(() => parseFleetSpec({ agents: ['gpu.1'] })).toThrow(/agents\.0: expected 1-64/);
    expect(() => parseFleetSpec({ agents: [] })).toThrow(/agents: /);
    expect(() => parseFleetSpec({ agents: ['a', 'a'] })).toThrow(/expected distinct agent ids/);
    expect(() =>
      parseFleetSpec({ agents: ['a'], tls: { certFile: 'c', keyFile: 'k', verifyClients: true } }),
    ).toThrow(/tls\.caFile: expected tls\.caFile/);
  });
});
