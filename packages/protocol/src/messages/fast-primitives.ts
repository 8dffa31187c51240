/**
 * The building blocks of the hand-written typed checks (`*.fast.ts`, registered in
 * ../fast-checks.ts). Each matches the zod rule it stands for exactly; a check built from them
 * accepts only values its schema accepts and returns unchanged (see each check's property test).
 */
import { isValidId } from '../ids.js';
import { LIMITS } from '../limits.js';

export type Fields = Record<string, unknown>;

/**
 * A plain object: anything else (a Date, which msgpack's timestamps decode to, or a class
 * instance) goes to the schema, which would return a new plain object in its place (a Date has
 * no keys, so it passes for an object whose fields are all optional).
 */
export const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
/** An integer in [min, max] (every bound here is a safe integer, as `z.int()` requires). */
export const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
/** A number in [min, max]: NaN and ±Infinity fail the comparisons, as `z.number()` refuses them. */
export const isNumber = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && v >= min && v <= max;
/** A number in (min, max]: zod's `.gt(min).max(max)`. */
export const isNumberAbove = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && v > min && v <= max;
export const isString = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;
export const isId = (v: unknown): v is string => typeof v === 'string' && isValidId(v);
export const isName = (v: unknown): v is string => isString(v, 1, LIMITS.nameChars);
export const isTokens = (v: unknown): v is number => isInt(v, 0, LIMITS.tokens);
export const isTime = (v: unknown): v is number => isNumber(v, 0, LIMITS.timestampMs);
export const isDuration = (v: unknown): v is number => isNumber(v, 0, LIMITS.durationMs);
export const optional = (v: unknown, check: (x: unknown) => boolean): boolean =>
  v === undefined || check(v);

/** True when every own key of `o` is one of `keys` (the schema would strip any other). */
export function onlyKeys(o: Fields, keys: ReadonlySet<string>): boolean {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
}

/** An array of `min` to `max` items, each passing `check`. */
export function everyIn(
  v: unknown,
  min: number,
  max: number,
  check: (x: unknown) => boolean,
): boolean {
  if (!Array.isArray(v) || v.length < min || v.length > max) return false;
  for (const x of v) if (!check(x)) return false;
  return true;
}

/** The keys an object schema defines: a value with any other key goes to the schema (it strips them). */
export const keysOf = (schema: { readonly shape: object }): ReadonlySet<string> =>
  new Set(Object.keys(schema.shape));
