import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareSecureNats, userOf } from './secure.js';

describe('adagen up --secure', () => {
  it('maps each child to its own NATS user', () => {
    expect(userOf({ service: 'agent', label: 'agent-3' })).toBe('agent-agent-3');
    expect(userOf({ service: 'balancer', label: 'balancer-1' })).toBe('balancer-bal-1');
    expect(userOf({ service: 'gateway', label: 'gateway-0' })).toBe('gateway-gw-0');
    expect(userOf({ service: 'planner', label: 'planner-1' })).toBe('planner');
  });

  it('writes one nkey per user (seeds private) and a config naming only public keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adagen-secure-'));
    const s = await prepareSecureNats(dir, { agents: 2, replicas: 2 });
    const config = readFileSync(s.configFile, 'utf8');
    for (const user of ['agent-agent-1', 'balancer-bal-1', 'gateway-gw-0', 'planner', 'observer']) {
      const seed = readFileSync(s.seedFile(user), 'utf8').trim();
      expect(seed).toMatch(/^SU/);
      expect(statSync(s.seedFile(user)).mode & 0o077).toBe(0);
      expect(config).not.toContain(seed);
    }
    expect(config).toMatch(/nkey: "U[A-Z0-9]{55}"/);
    expect(() => s.seedFile('agent-agent-9')).toThrow(/no NATS user/);
  });
});
