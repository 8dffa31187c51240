/**
 * Arbitraries shared by the typed checks' property tests (plan result, decision record,
 * placement notice, agent states): mostly valid values, sometimes a wrong one, an edge value
 * in or out of range, a key the schema does not define, or a non-plain object.
 */
import fc from 'fast-check';
import { plainRecord } from './plain-record.js';

/** Values that break a field's rule (wrong type, out of range, not an integer, bad id or name). */
export const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(-1, -0.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e14 + 1, 1e9 + 1),
  fc.constantFrom(4_194_305, 2 ** 60, 101, 1025),
  fc.constantFrom('', 'a.b', 'x'.repeat(65), 'x'.repeat(257), 'single', 'placed', 'segment'),
  fc.constant([]),
  fc.constant({}),
  // msgpack's timestamps decode to Dates; the schema takes one as an object of no keys.
  fc.constant(new Date(0)),
  // An object without a prototype: the schema returns a plain copy.
  fc.constant(Object.assign(Object.create(null) as object, { ttftMs: 1, tpotMs: 1 })),
);

/** Mostly a valid value, sometimes a wrong one. */
export const or = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 40 }, { arbitrary: wrong, weight: 1 });

/** Mostly `valid`, sometimes one of the edge values `bounds` (in or out of range). */
export const edge = <T>(valid: fc.Arbitrary<T>, ...bounds: T[]): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: fc.constantFrom(...bounds), weight: 1 });

/** With `extras`, sometimes adds a key the schema does not define (which it would strip). */
export const maybeExtra = <T extends object>(
  arb: fc.Arbitrary<T>,
  extras: boolean,
): fc.Arbitrary<T> =>
  extras
    ? fc.tuple(arb, fc.noBias(fc.nat(30))).map(([v, n]) => (n === 0 ? { ...v, extra: 1 } : v))
    : arb;

export const id = fc.constantFrom('r-1', 'R_2', 'agent-0', 'bal-x', 'a'.repeat(64));
export const tokens = edge(fc.nat(600), 0, 4_194_304, 4_194_305);
export const attempt = edge(fc.nat(3), 100, 101);
export const time = edge(fc.double({ min: 0, max: 1e6, noNaN: true }), 0, 1e14, 1e14 + 1, -0.5);
export const duration = edge(fc.double({ min: 0, max: 100, noNaN: true }), 0, 1e9, 1e9 + 1);
export const name = edge(
  fc.constantFrom('adagen', 'meta-llama/Meta-Llama-3-8B-Instruct'),
  'x'.repeat(256),
  'x'.repeat(257),
  '',
);

/** A latency prediction (TTFT, TPOT). */
export const prediction = (extras: boolean) =>
  maybeExtra(plainRecord({ ttftMs: or(duration), tpotMs: or(duration) }), extras);

/**
 * An execution plan: mostly `single`, sometimes `pd-split` (distinct or not), with `uncommon`
 * sometimes a `split-prefill` (which the checks leave to the schema).
 */
export const plan = (uncommon: boolean, extras: boolean): fc.Arbitrary<unknown> => {
  const single = maybeExtra(
    plainRecord({ kind: or(fc.constant('single')), instanceId: or(id) }),
    extras,
  );
  const pdSplit = maybeExtra(
    plainRecord({
      kind: or(fc.constant('pd-split')),
      prefillInstanceId: or(fc.constantFrom('p-1', 'd-1')),
      decodeInstanceId: or(fc.constantFrom('d-1', 'd-2')),
    }),
    extras,
  );
  const arms = [
    { arbitrary: single as fc.Arbitrary<unknown>, weight: 12 },
    { arbitrary: pdSplit as fc.Arbitrary<unknown>, weight: 4 },
  ];
  if (uncommon)
    arms.push({
      arbitrary: plainRecord({
        kind: fc.constant('split-prefill'),
        segments: fc.constant([
          { instanceId: 's-1', startToken: 0, endToken: 100 },
          { instanceId: 's-2', startToken: 100, endToken: 200 },
        ]),
        decodeInstanceId: fc.constant('d-1'),
      }),
      weight: 1,
    });
  return fc.oneof(...arms);
};

export { plainRecord };
