/**
 * The fleet clock: the one timebase every service of a fleet uses for the times it puts on the
 * wire (arrivals, deadlines, snapshots). At `timeScale` 1 it is the wall clock; at `timeScale` s
 * the simulated engines run s times faster than real time (tests), so fleet time is
 * `originMs + (wall − originMs) · s` and a fleet delay d waits d / s ms on the wall clock. Every
 * process of one fleet must use the same scale and origin.
 */
export interface FleetClockOptions {
  /** Fleet ms per wall ms. @default 1 */
  readonly timeScale?: number;
  /** Wall-clock epoch ms where fleet and wall time agree. @default 0 */
  readonly originMs?: number;
  /** Wall-clock epoch ms (injected: `performance.timeOrigin + performance.now()`). */
  readonly wallNowMs: () => number;
}

export interface FleetClock {
  readonly timeScale: number;
  readonly originMs: number;
  /** Fleet time, ms. */
  nowMs(): number;
  /** Wall-clock epoch ms. */
  wallNowMs(): number;
  /** Wall ms to wait for a fleet delay. */
  wallDelayMs(fleetDelayMs: number): number;
  /** Fleet ms that pass during a wall delay. */
  fleetDelayMs(wallDelayMs: number): number;
}

export function createFleetClock(options: FleetClockOptions): FleetClock {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`timeScale must be a finite number > 0, got ${scale}`);
  const origin = options.originMs ?? 0;
  const wall = options.wallNowMs;
  return Object.freeze({
    timeScale: scale,
    originMs: origin,
    nowMs: () => (scale === 1 ? wall() : origin + (wall() - origin) * scale),
    wallNowMs: wall,
    wallDelayMs: (d: number) => d / scale,
    fleetDelayMs: (d: number) => d * scale,
  });
}
