/** Talks to `relay.js` running inside a host namespace (see relay.ts). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Outcome } from '../faults/client.js';

/** The compiled relay (`tsc -b` builds test/dist). */
export const RELAY_JS = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/multihost'),
  'relay.js',
);
export const relayBuilt = (): boolean => existsSync(RELAY_JS);

export interface Relay {
  send(url: string, body: Record<string, unknown>, clientTimeoutMs: number): Promise<Outcome>;
  get(url: string): Promise<{ status: number; text: string }>;
  close(): void;
}

export function startRelay(execPrefix: readonly string[]): Relay {
  const [cmd = '', ...args] = execPrefix;
  const child = spawn(cmd, [...args, process.execPath, RELAY_JS], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  let next = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const answer = JSON.parse(line) as Record<string, unknown> & { id: number };
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  const call = (command: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolveAnswer) => {
      const id = next++;
      waiting.set(id, resolveAnswer);
      child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  return {
    send: async (url, body, clientTimeoutMs) =>
      (await call({ op: 'send', url, body, clientTimeoutMs })).outcome as Outcome,
    get: async (url) => {
      const a = await call({ op: 'get', url });
      return { status: a.status as number, text: a.text as string };
    },
    close: () => child.kill('SIGKILL'),
  };
}
