/**
 * Hysteresis for an autoscaler following a recommended instance count, one decision per window:
 * up at once (to the recommendation), down only after the recommendation has stayed below the
 * current count for `downAfterWindows` windows in a row (to the highest of those
 * recommendations), never within `cooldownWindows` of the last change, always within
 * [min, max]. So a single quiet window does not remove capacity a burst will want back.
 */

export interface HysteresisOptions {
  readonly min: number;
  readonly max: number;
  /** Windows below before scaling down. @default 2 */
  readonly downAfterWindows?: number;
  /** Windows after a change during which no scale-down happens. @default 1 */
  readonly cooldownWindows?: number;
}

export class Hysteresis {
  private below: number[] = [];
  private sinceChange = Number.POSITIVE_INFINITY;

  constructor(
    private readonly o: HysteresisOptions,
    private current: number,
  ) {
    if (!(o.min >= 1 && o.max >= o.min))
      throw new RangeError(`need 1 ≤ min ≤ max, got ${o.min}..${o.max}`);
    this.current = clamp(current, o.min, o.max);
  }

  get target(): number {
    return this.current;
  }

  /** The count to run for the next window, given this window's recommendation. */
  next(recommended: number): number {
    const r = clamp(Math.round(recommended), this.o.min, this.o.max);
    this.sinceChange += 1;
    if (r > this.current) return this.change(r);
    if (r === this.current) {
      this.below = [];
      return this.current;
    }
    this.below.push(r);
    const need = this.o.downAfterWindows ?? 2;
    if (this.below.length >= need && this.sinceChange > (this.o.cooldownWindows ?? 1))
      return this.change(Math.max(...this.below.slice(-need)));
    return this.current;
  }

  private change(to: number): number {
    this.current = to;
    this.below = [];
    this.sinceChange = 0;
    return to;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
