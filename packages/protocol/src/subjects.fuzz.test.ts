// Property-based tests of parseSubject and the subject builders against hostile subjects: random
// strings, near-miss subjects built from real and hostile tokens, forbidden characters and huge
// ids. parseSubject never throws; what it accepts is exactly what the builders produce.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AdagenError } from './errors.js';
import { ID_PATTERN, MAX_ID_LENGTH } from './ids.js';
import { AGENT_VERBS, SERVICE_ENDPOINTS, parseSubject, subjects } from './subjects.js';
import type { ParsedSubject } from './subjects.js';
import { HOSTILE_IDS } from './testing/hostile.js';
import { Tally, runParams } from './testing/fuzz-run.js';

const tally = new Tally();
afterAll(() => tally.writeIfAsked('subjects'));

/** The subject a parsed value stands for, built with the builders. */
function rebuild(parsed: ParsedSubject): string {
  switch (parsed.kind) {
    case 'service':
      return subjects.service(parsed.endpoint);
    case 'agent':
      return parsed.verb === 'kv'
        ? subjects.kv(parsed.instanceId, parsed.fromInstanceId!)
        : subjects.agent(parsed.instanceId, parsed.verb);
    case 'stream':
      return parsed.instanceId === undefined
        ? subjects.stream(parsed.gatewayId, parsed.requestId)
        : subjects.streamFrom(
            subjects.stream(parsed.gatewayId, parsed.requestId),
            parsed.instanceId,
          );
    case 'placements':
      return subjects.placements(parsed.balancerId);
    case 'decisions':
      return subjects.decisions(parsed.balancerId);
    case 'cancel':
      return subjects.cancel(parsed.gatewayId);
  }
}

const validId = (id: string) => id.length <= MAX_ID_LENGTH && ID_PATTERN.test(id);

/** parseSubject's contract for any input. */
function check(inputClass: string, subject: string): void {
  const result = parseSubject(subject);
  tally.add(inputClass, result.ok ? `accepted ${result.value.kind}` : result.error.code);
  if (result.ok) {
    expect(rebuild(result.value)).toBe(subject);
    const ids = Object.entries(result.value).filter(([k]) => k.endsWith('Id'));
    for (const [, id] of ids) expect(validId(String(id))).toBe(true);
  } else {
    expect(result.error).toBeInstanceOf(AdagenError);
    expect(result.error.code).toBe('unknown_subject');
    expect(result.error.message.length).toBeLessThan(500);
  }
}

const realTokens = [
  'adagen',
  'v1',
  'v2',
  'svc',
  'agent',
  'stream',
  'placements',
  'decisions',
  'cancel',
  ...SERVICE_ENDPOINTS,
  ...AGENT_VERBS,
];
const token = fc.oneof(
  fc.constantFrom(...realTokens, ...HOSTILE_IDS, '*', '>', 'gpu-1', 'gw_a'),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
);

describe('parseSubject on hostile subjects', () => {
  it('random strings: never throws; rejects with unknown_subject or round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check('random string', s)),
      runParams(2000),
    );
  });

  it('near misses: a prefix, a family and real or hostile tokens', () => {
    const prefix = fc.constantFrom(
      ['adagen', 'v1'],
      ['adagen', 'v1'],
      ['adagen', 'v2'],
      ['adagen'],
      [],
    );
    const family = fc.oneof(
      fc.constantFrom('svc', 'agent', 'stream', 'placements', 'decisions', 'cancel'),
      token,
    );
    const tail = fc.array(fc.oneof(fc.constantFrom(...AGENT_VERBS, ...SERVICE_ENDPOINTS), token), {
      maxLength: 3,
    });
    fc.assert(
      fc.property(prefix, family, tail, (p, f, t) => check('near miss', [...p, f, ...t].join('.'))),
      runParams(3000),
    );
  });

  it('huge subjects (up to 1 MB) are rejected quickly without echoing the input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 1_000_000 }),
        fc.constantFrom('x', '.', 'a.'),
        (n, unit) =>
          check('huge subject', `adagen.v1.agent.${unit.repeat(Math.ceil(n / unit.length))}.state`),
      ),
      runParams(20, 200),
    );
  });
});

describe('subject builders on hostile ids', () => {
  const builders: readonly ((id: string) => string)[] = [
    (id) => subjects.state(id),
    (id) => subjects.dispatch(id),
    (id) => subjects.kv(id, 'gpu-1'),
    (id) => subjects.kv('gpu-1', id),
    (id) => subjects.stream(id, 'r-1'),
    (id) => subjects.stream('gw', id),
    (id) => subjects.streamFrom(subjects.stream('gw', 'r-1'), id),
    (id) => subjects.placements(id),
    (id) => subjects.cancel(id),
  ];

  it('a valid id builds a subject that parses back to it; any other throws bad_request', () => {
    const id = fc.oneof(
      fc.constantFrom(...HOSTILE_IDS),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,66}$/),
    );
    fc.assert(
      fc.property(fc.constantFrom(...builders), id, (build, candidate) => {
        if (validId(candidate) && candidate !== '') {
          check('builder, valid id', build(candidate));
          return;
        }
        tally.add('builder, invalid id', 'thrown bad_request');
        let thrown: unknown;
        try {
          build(candidate);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(AdagenError);
        expect((thrown as AdagenError).code).toBe('bad_request');
        expect((thrown as AdagenError).message.length).toBeLessThan(300);
      }),
      runParams(2000),
    );
  });
});
