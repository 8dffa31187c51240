/**
 * Hostile inputs and an independent oracle for the property-based codec tests: paths into sample
 * messages, values that break fields, and invariants every accepted message must satisfy,
 * checked without zod so a schema bug cannot hide behind itself.
 */
import { ID_PATTERN, MAX_ID_LENGTH } from '../ids.js';
import { LIMITS } from '../limits.js';

export type Path = readonly (string | number)[];

/** Every path inside `value` (objects and arrays, interior nodes and leaves), root excluded. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

export function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

/** A copy of `root` with the value at `path` replaced. */
export function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return copy;
}

/** Same notation as the codec's issue paths: `plan.segments[1].endToken`. */
export function pathText(path: Path): string {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out === '' ? '(root)' : out;
}

/** `'number'`, `'string'`, `'array'`, `'null'`, … — a value of another kind must be rejected. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const lastKey = (path: Path): string => {
  const key = path[path.length - 1];
  return typeof key === 'string' ? key : '';
};

/** Token counts and token positions: integers in [0, LIMITS.tokens]. */
export const isTokenField = (path: Path): boolean =>
  /(Tokens|Token|tokenCount)$/.test(lastKey(path));

/** Ids that appear in subjects: `requestId`, `instanceId`, … and entries of `instanceIds`. */
export const isIdField = (path: Path): boolean =>
  /Id$/.test(lastKey(path)) || path[path.length - 2] === 'instanceIds';

/** Numbers that no field accepts, and numbers no token count accepts. */
export const HOSTILE_NUMBERS: readonly number[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -0.5,
  0.5,
  1.5,
  LIMITS.tokens + 1,
  2 ** 53,
  2 ** 64,
  1e300,
  -1e300,
];

/** Strings that break ids (forbidden characters, subject wildcards, 10k characters, …). */
export const HOSTILE_IDS: readonly string[] = [
  '',
  ' ',
  'a.b',
  'gpu*',
  '>',
  'a b',
  'é',
  '\u0000',
  '\ud800',
  'x'.repeat(MAX_ID_LENGTH + 1),
  'x'.repeat(10_000),
  '.'.repeat(10_000),
  'a\r\nb',
];

/** A UTF-16 surrogate without its pair: the string is not well-formed. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Invariants of every accepted message, checked independently of the schemas: numbers finite,
 * token counts non-negative bounded integers, ids valid, timestamps and durations non-negative,
 * strings well-formed UTF-16. Returns the violations (empty when all hold).
 */
export function invariantViolations(value: unknown, path: Path = []): string[] {
  const here = pathText(path);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return [`${here}: ${value} is not finite`];
    if (isTokenField(path) && (!Number.isInteger(value) || value < 0 || value > LIMITS.tokens))
      return [`${here}: ${value} is not a token count`];
    if (/Ms$/.test(lastKey(path)) && value < 0) return [`${here}: negative time ${value}`];
    if (/^(seq|attempt)$/.test(lastKey(path)) && (!Number.isInteger(value) || value < 0))
      return [`${here}: ${value} is not a sequence number`];
    return [];
  }
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) return [`${here}: string is not well-formed UTF-16`];
    if (isIdField(path) && !(value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value)))
      return [`${here}: ${JSON.stringify(value.slice(0, 80))} is not an id`];
    return [];
  }
  if (value === null || typeof value !== 'object') return [];
  if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value))
    return [`${here}: not a plain object`];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => invariantViolations(child, [...path, key]));
}
