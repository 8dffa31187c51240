import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { runMain } from './main.js';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const exitedOnce = new Promise<number>((resolve) => {
    exited = resolve;
  });
  const proc = {
    on: (signal: 'SIGTERM' | 'SIGINT', listener: () => void) => emitter.on(signal, listener),
    exit: (code: number) => {
      exits.push(code);
      exited(code);
    },
  };
  return { emitter, exits, exitedOnce, proc };
}

describe('runMain', () => {
  it('stops what main returned on SIGTERM, then exits 0', async () => {
    const { emitter, exits, exitedOnce, proc } = fakeProcess();
    const stops: string[] = [];
    await runMain(
      () =>
        Promise.resolve({
          stop: (reason?: string) => Promise.resolve(void stops.push(reason ?? '')),
        }),
      { process: proc, logger: silentLogger() },
    );
    expect(exits).toEqual([]);
    emitter.emit('SIGTERM');
    expect(await exitedOnce).toBe(0);
    expect(stops).toEqual(['SIGTERM received']);
  });

  it('exits 1 at once on a second signal', async () => {
    const { emitter, exits, proc } = fakeProcess();
    await runMain(() => Promise.resolve({ stop: () => new Promise<void>(() => undefined) }), {
      process: proc,
      logger: silentLogger(),
    });
    emitter.emit('SIGINT');
    emitter.emit('SIGINT');
    expect(exits).toEqual([1]);
  });

  it('exits 1 when main fails', async () => {
    const { exits, proc } = fakeProcess();
    await runMain(() => Promise.reject(new Error('no config')), {
      process: proc,
      logger: silentLogger(),
    });
    expect(exits).toEqual([1]);
  });
});
