/** Flag value parsers: each checks one flag and names it in the error. */
import { UsageError } from './usage-error.js';

export function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) {
    throw new UsageError(flag, `expected a positive number, got "${text}"`);
  }
  return v;
}

export function nonNegativeNumber(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) {
    throw new UsageError(flag, `expected a number ≥ 0, got "${text}"`);
  }
  return v;
}

export function positiveInt(flag: string, text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) {
    throw new UsageError(flag, `expected a positive integer, got "${text}"`);
  }
  return v;
}

export function integer(flag: string, text: string): number {
  const v = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(v)) {
    throw new UsageError(flag, `expected an integer, got "${text}"`);
  }
  return v;
}

export function share(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0 || v > 1) {
    throw new UsageError(flag, `expected a share in (0, 1], got "${text}"`);
  }
  return v;
}

/** Comma-separated list, empty items rejected. */
export function list(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) {
    throw new UsageError(flag, `expected a comma-separated list, got "${text}"`);
  }
  return items;
}

export function positiveNumbers(flag: string, text: string): number[] {
  return list(flag, text).map((t) => positiveNumber(flag, t));
}

/** `text` if it is one of `values`, else a usage error listing them. */
export function oneOf<T extends string>(flag: string, values: readonly T[], text: string): T {
  const found = values.find((v) => v === text);
  if (found === undefined)
    throw new UsageError(flag, `expected one of ${values.join(', ')}, got "${text}"`);
  return found;
}
