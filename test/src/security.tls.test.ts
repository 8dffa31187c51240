// TLS from the generated config: a throwaway CA, a server certificate for 127.0.0.1 and a client
// certificate made with openssl. With mutual TLS on, a client needs the CA, its certificate and
// its nkey; without the certificate or without trusting the CA it cannot connect.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@adagen/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, firstMessage, startSecureFleet, text } from './security.fleet.js';
import type { SecureFleet } from './security.fleet.js';

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
// In container mode the server reads the certificate files through the read-only temp-dir mount.
const skipReason =
  openssl.status !== 0 ? 'openssl is not installed (apt-get install openssl)' : undefined;

function run(dir: string, args: readonly string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA, and a certificate it signed, for `name` with the given extensions. */
async function makeCerts(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=adagen-test-ca',
  ]);
  const sign = async (name: string, ext: string) => {
    await writeFile(join(dir, `${name}.ext`), ext);
    run(dir, [
      'req',
      ...ec,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    ]);
    run(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ]);
  };
  await sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await sign('client', 'extendedKeyUsage=clientAuth\n');
}

describe.skipIf(skipReason !== undefined)(
  `TLS${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    let dir: string;
    let fleet: SecureFleet;
    const file = (name: string) => join(dir, name);
    const clientTls = () => ({
      caFile: file('ca.pem'),
      certFile: file('client.pem'),
      keyFile: file('client-key.pem'),
    });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'adagen-tls-'));
      await makeCerts(dir);
      fleet = await startSecureFleet({
        agents: ['gpu-1'],
        tls: {
          certFile: file('server.pem'),
          keyFile: file('server-key.pem'),
          caFile: file('ca.pem'),
          verifyClients: true,
        },
      });
    });
    afterAll(async () => {
      await fleet.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('the generated config carries the certificate paths and requires client certificates', () => {
      expect(fleet.config).toContain(`cert_file: "${file('server.pem')}"`);
      expect(fleet.config).toContain('verify: true');
    });

    it('a client with the CA, its certificate and its nkey connects and publishes', async () => {
      const admin = await fleet.connect('admin', { tls: clientTls() });
      const agent = await fleet.connect('agent-gpu-1', { tls: clientTls() });
      const seen = admin.subscribe(subjects.state('gpu-1'));
      await admin.flush();
      agent.publish(subjects.state('gpu-1'), bytes('over tls'));
      expect(text(await firstMessage(seen))).toBe('over tls');
      expect(agent.info?.tls_required).toBe(true);
    });

    it('a client without a certificate is refused', async () => {
      // Under TLS 1.3 the server checks the client certificate after the client's side of the
      // handshake, so the client may only see the connection close: either way it never gets in.
      await expect(
        fleet.connect('agent-gpu-1', { tls: { caFile: file('ca.pem') }, connectTimeoutMs: 1500 }),
      ).rejects.toThrow();
    });

    it('a client that does not trust the CA is refused', async () => {
      await expect(
        fleet.connect('agent-gpu-1', {
          tls: { certFile: file('client.pem'), keyFile: file('client-key.pem') },
        }),
      ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    });
  },
);
