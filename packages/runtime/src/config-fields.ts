/**
 * zod field builders for configuration read from environment variables and flags, where every
 * value arrives as a string. Use them inside the object schema given to `parseConfig`.
 */
import { z } from 'zod';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function fromString<T>(parse: (text: string) => T) {
  return (value: unknown): unknown =>
    typeof value === 'string' && value.trim() !== '' ? parse(value.trim()) : value;
}

export const configField = {
  /** A non-empty string. */
  string: () => z.string().min(1),
  /** An integer in `[min, max]`, e.g. `"8080"`. */
  int: (min: number, max: number) =>
    z.preprocess(
      fromString((t) => Number(t)),
      z.int().min(min).max(max),
    ),
  /** A finite number in `[min, max]`, e.g. `"0.5"`. */
  number: (min: number, max: number) =>
    z.preprocess(
      fromString((t) => Number(t)),
      z.number().min(min).max(max),
    ),
  /** `true/false`, `1/0`, `yes/no`, `on/off`; a bare `--flag` means true. */
  boolean: () =>
    z.preprocess(
      fromString<unknown>((t) =>
        TRUE.has(t.toLowerCase()) ? true : FALSE.has(t.toLowerCase()) ? false : t,
      ),
      z.boolean(),
    ),
  /** A comma-separated list of non-empty strings, e.g. `"nats://a:4222,nats://b:4222"`. */
  list: () =>
    z.preprocess(
      fromString((t) =>
        t
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== ''),
      ),
      z.array(z.string().min(1)).min(1),
    ),
  /** One of a fixed set of strings. */
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values),
} as const;
