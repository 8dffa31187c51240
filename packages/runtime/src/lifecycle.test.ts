import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';
import type { LifecycleState } from './lifecycle.js';

describe('Lifecycle', () => {
  it('goes starting → ready → draining → stopped and refuses work unless ready', async () => {
    const lifecycle = new Lifecycle();
    const states: LifecycleState[] = [];
    lifecycle.onStateChange((s) => states.push(s));
    expect(lifecycle.state).toBe('starting');
    expect(lifecycle.begin()).toBeUndefined();
    lifecycle.markReady();
    const work = lifecycle.begin();
    expect(work).toBeDefined();
    work?.end();
    await lifecycle.stop();
    expect(states).toEqual(['ready', 'draining', 'stopped']);
    expect(lifecycle.begin()).toBeUndefined();
    expect(() => lifecycle.markReady()).toThrow(/cannot become ready from state stopped/);
  });

  it('stop() is idempotent and waits for in-flight work before closing resources', async () => {
    const lifecycle = new Lifecycle({ graceMs: 60_000 });
    lifecycle.markReady();
    const order: string[] = [];
    lifecycle.onStop('connection', () => {
      order.push('connection');
    });
    lifecycle.onStop('endpoints', async () => {
      await Promise.resolve();
      order.push('endpoints');
    });
    const work = lifecycle.begin();
    const first = lifecycle.stop();
    const second = lifecycle.stop();
    expect(second).toBe(first);
    expect(lifecycle.state).toBe('draining');
    expect(lifecycle.begin()).toBeUndefined();
    await Promise.resolve();
    expect(order).toEqual([]);
    work?.end();
    await first;
    expect(order).toEqual(['endpoints', 'connection']);
    expect(work?.signal.aborted).toBe(false);
    await lifecycle.stopped;
  });

  it('aborts work still running when the grace period is over, then stops', async () => {
    const lifecycle = new Lifecycle({ graceMs: 10 });
    lifecycle.markReady();
    const stuck = lifecycle.begin();
    await lifecycle.stop();
    expect(stuck?.signal.aborted).toBe(true);
    expect(String(stuck?.signal.reason)).toMatch(/service stopped before the request finished/);
    expect(lifecycle.state).toBe('stopped');
    expect(lifecycle.inFlightCount).toBe(0);
  });

  it('calls an onAbort callback once when grace runs out, never after end(), and a late signal is already aborted', async () => {
    const lifecycle = new Lifecycle({ graceMs: 10 });
    lifecycle.markReady();
    const stuck = lifecycle.begin();
    const finished = lifecycle.begin();
    const reasons: string[] = [];
    stuck?.onAbort((reason) => reasons.push(`stuck: ${reason.code}`));
    finished?.onAbort((reason) => reasons.push(`finished: ${reason.code}`));
    finished?.end();
    await lifecycle.stop();
    expect(reasons).toEqual(['stuck: unavailable']);
    // Asked for after the abort, the signal is made aborted, with the same reason.
    expect(stuck?.signal.aborted).toBe(true);
    expect(String(stuck?.signal.reason)).toMatch(/service stopped before the request finished/);
    // A callback registered after the abort runs at once.
    stuck?.onAbort((reason) => reasons.push(`late: ${reason.code}`));
    expect(reasons).toEqual(['stuck: unavailable', 'late: unavailable']);
    expect(finished?.signal.aborted).toBe(false);
  });

  it('keeps stopping when a stop hook fails', async () => {
    const lifecycle = new Lifecycle();
    let closed = false;
    lifecycle.onStop('first', () => {
      closed = true;
    });
    lifecycle.onStop('broken', () => {
      throw new Error('nope');
    });
    await lifecycle.stop();
    expect(closed).toBe(true);
    expect(lifecycle.state).toBe('stopped');
  });
});
