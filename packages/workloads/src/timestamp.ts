/**
 * Exact parsing of wall-clock timestamps such as `2023-11-16 18:17:03.9799600`.
 *
 * Text without a zone is read as UTC, so the machine's time zone never shifts it. The whole
 * seconds and the fraction (up to 9 digits) are kept apart, so differences between two stamps keep
 * their sub-millisecond digits (a float of epoch milliseconds would lose them).
 */
export interface WallClock {
  /** Whole seconds since 1970-01-01T00:00:00Z. */
  epochS: number;
  /** Fraction of the second, in nanoseconds (0 ≤ nanos < 1e9). */
  nanos: number;
}

const WALL_CLOCK =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Example shown in error messages. */
export const WALL_CLOCK_EXAMPLE = '2023-11-16 18:17:03.9799600';

/** Parses `YYYY-MM-DD[ T]HH:MM:SS[.fffffff][Z|±HH:MM]`, or returns undefined. */
export function parseWallClock(text: string): WallClock | undefined {
  const m = WALL_CLOCK.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const dayMs = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2023-02-31 over to March; such a date is not valid text.
  if (new Date(dayMs).getUTCDate() !== day) return undefined;
  const fraction = m[7] ?? '';
  const nanos = fraction === '' ? 0 : Number(fraction.padEnd(9, '0'));
  const epochS = dayMs / 1000 + hour * 3600 + minute * 60 + second - zoneOffsetS(m[8]);
  return { epochS, nanos };
}

function zoneOffsetS(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
}

/** `a - b` in milliseconds, exact to the nanosecond digits both carry. */
export function diffMs(a: WallClock, b: WallClock): number {
  return (a.epochS - b.epochS) * 1000 + (a.nanos - b.nanos) / 1e6;
}

/** ISO-8601 text of a wall clock, with all nine fractional digits (for notes). */
export function formatWallClock(t: WallClock): string {
  const base = new Date(t.epochS * 1000).toISOString().slice(0, 19);
  return `${base}.${String(t.nanos).padStart(9, '0')}Z`;
}
