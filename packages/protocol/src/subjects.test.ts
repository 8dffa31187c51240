import { describe, expect, it } from 'vitest';
import { AdagenError } from './errors.js';
import {
  AGENT_VERBS,
  SERVICE_ENDPOINTS,
  bodyMatchesSubject,
  parseSubject,
  subjects,
  wildcards,
} from './subjects.js';

describe('subject builders', () => {
  it('build the documented subjects', () => {
    expect(subjects.classify).toBe('adagen.v1.svc.classify');
    expect(subjects.service('estimate')).toBe('adagen.v1.svc.estimate');
    expect(subjects.dispatch('gpu-1')).toBe('adagen.v1.agent.gpu-1.dispatch');
    expect(subjects.state('gpu-1')).toBe('adagen.v1.agent.gpu-1.state');
    expect(subjects.cache('gpu-1')).toBe('adagen.v1.agent.gpu-1.cache');
    expect(wildcards.agentCache).toBe('adagen.v1.agent.*.cache');
    expect(subjects.kv('gpu_2', 'gpu-1')).toBe('adagen.v1.agent.gpu_2.kv.gpu-1');
    expect(wildcards.kvTo('gpu_2')).toBe('adagen.v1.agent.gpu_2.kv.*');
    expect(wildcards.kvFrom('gpu-1')).toBe('adagen.v1.agent.*.kv.gpu-1');
    expect(subjects.stream('gw-a', 'req-1')).toBe('adagen.v1.stream.gw-a.req-1');
    expect(subjects.streamFrom(subjects.stream('gw-a', 'req-1'), 'gpu-1')).toBe(
      'adagen.v1.stream.gw-a.req-1.gpu-1',
    );
    expect(wildcards.streamsFrom('gpu-1')).toBe('adagen.v1.stream.*.*.gpu-1');
    expect(subjects.placements('bal-1')).toBe('adagen.v1.placements.bal-1');
    expect(wildcards.agentState).toBe('adagen.v1.agent.*.state');
    expect(wildcards.gatewayStreams('gw-a')).toBe('adagen.v1.stream.gw-a.*.*');
    expect(wildcards.agentVerb('dispatch')).toBe('adagen.v1.agent.*.dispatch');
    expect(wildcards.allStreams).toBe('adagen.v1.stream.*.*.*');
    expect(wildcards.allServices).toBe('adagen.v1.svc.*');
    expect(subjects.shardBalance(0)).toBe('adagen.v1.svc.balance.0');
    expect(subjects.shardBalance(255)).toBe('adagen.v1.svc.balance.255');
    expect(wildcards.shardBalances).toBe('adagen.v1.svc.balance.*');
  });

  it.each([-1, 256, 1.5, Number.NaN])('refuse the shard %j', (shard) => {
    expect(() => subjects.shardBalance(shard)).toThrow(/shard: expected an integer 0\.\.255/);
  });

  it.each(['gpu.1', 'gpu*', '>', '', 'a b', 'é', 'x'.repeat(65)])('reject the id %j', (id) => {
    expect(() => subjects.state(id)).toThrow(AdagenError);
    expect(() => subjects.stream('gw', id)).toThrow(/requestId: expected 1-64 characters/);
    expect(() => subjects.streamFrom(subjects.stream('gw', 'r'), id)).toThrow(
      /instanceId: expected 1-64 characters/,
    );
  });

  it.each([
    'adagen.v1.stream.gw.r.gpu-1',
    'adagen.v1.agent.gpu-1.state',
    'adagen.v1.stream.gw',
    'adagen.v1.stream.*.*',
  ])('streamFrom refuses %j as a stream address', (address) => {
    expect(() => subjects.streamFrom(address, 'gpu-1')).toThrow(/streamSubject: expected/);
  });

  it('accept a 64-character id', () => {
    const id = 'A'.repeat(64);
    expect(subjects.state(id)).toBe(`adagen.v1.agent.${id}.state`);
  });
});

describe('parseSubject', () => {
  it('round-trips every builder', () => {
    for (const endpoint of SERVICE_ENDPOINTS) {
      expect(parseSubject(subjects.service(endpoint))).toEqual({
        ok: true,
        value: { kind: 'service', endpoint },
      });
    }
    for (const verb of AGENT_VERBS) {
      if (verb === 'kv') continue;
      expect(parseSubject(subjects.agent('gpu-7', verb))).toEqual({
        ok: true,
        value: { kind: 'agent', instanceId: 'gpu-7', verb },
      });
    }
    expect(parseSubject(subjects.kv('gpu-7', 'gpu-1'))).toEqual({
      ok: true,
      value: { kind: 'agent', instanceId: 'gpu-7', verb: 'kv', fromInstanceId: 'gpu-1' },
    });
    expect(parseSubject(subjects.stream('gw', 'r-1'))).toEqual({
      ok: true,
      value: { kind: 'stream', gatewayId: 'gw', requestId: 'r-1' },
    });
    expect(parseSubject(subjects.streamFrom(subjects.stream('gw', 'r-1'), 'gpu-2'))).toEqual({
      ok: true,
      value: { kind: 'stream', gatewayId: 'gw', requestId: 'r-1', instanceId: 'gpu-2' },
    });
    expect(parseSubject(subjects.placements('b'))).toEqual({
      ok: true,
      value: { kind: 'placements', balancerId: 'b' },
    });
    expect(parseSubject(subjects.decisions('bal-1'))).toEqual({
      ok: true,
      value: { kind: 'decisions', balancerId: 'bal-1' },
    });
    expect(parseSubject(subjects.shardBalance(7))).toEqual({
      ok: true,
      value: { kind: 'service', endpoint: 'balance', shard: 7 },
    });
    expect(parseSubject(subjects.cancel('gw-1'))).toEqual({
      ok: true,
      value: { kind: 'cancel', gatewayId: 'gw-1' },
    });
  });

  it.each([
    ['adagen.v2.svc.classify', /prefix adagen\.v1/],
    ['adagen.v1.svc.unknown', /svc\.<classify/],
    ['adagen.v1.svc.balance.256', /svc\.balance\.<shard 0\.\.255>/],
    ['adagen.v1.svc.balance.01', /svc\.balance\.<shard/],
    ['adagen.v1.svc.balance.*', /svc\.balance\.<shard/],
    ['adagen.v1.svc.plan.1', /svc\.balance\.<shard/],
    ['adagen.v1.agent.gpu-1.bogus', /agent\.<instanceId>/],
    ['adagen.v1.agent.*.state', /agent\.<instanceId>/],
    ['adagen.v1.agent.gpu-1.kv', /agent\.<instanceId>\.kv\.<fromInstanceId>/],
    ['adagen.v1.agent.gpu-1.kv.*', /agent\.<instanceId>\.kv\.<fromInstanceId>/],
    ['adagen.v1.agent.gpu-1.state.x', /agent\.<instanceId>\.</],
    ['adagen.v1.stream.gw', /stream\.<gatewayId>\.<requestId>/],
    ['adagen.v1.stream.gw.r.gpu.extra', /stream\.<gatewayId>\.<requestId>/],
    ['adagen.v1.stream.gw.r.*', /stream\.<gatewayId>\.<requestId>/],
    ['adagen.v1.placements.>', /placements\.<balancerId>/],
    ['adagen.v1.decisions.*', /decisions\.<balancerId>/],
    ['adagen.v1.cancel.gw.extra', /cancel\.<gatewayId>/],
    ['adagen.v1.other.x', /expected family/],
    ['', /prefix/],
  ])('rejects %j with unknown_subject', (subject, why) => {
    const result = parseSubject(subject);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unknown_subject');
      expect(result.error.message).toMatch(why);
    }
  });
});

describe('bodyMatchesSubject', () => {
  it('holds only when the body names the sender (and request) its subject names', () => {
    const stream = subjects.streamFrom(subjects.stream('gw-1', 'req-1'), 'gpu-1');
    expect(bodyMatchesSubject(stream, { instanceId: 'gpu-1', requestId: 'req-1' })).toBe(true);
    expect(bodyMatchesSubject(stream, { instanceId: 'gpu-2', requestId: 'req-1' })).toBe(false);
    expect(bodyMatchesSubject(stream, { instanceId: 'gpu-1', requestId: 'req-2' })).toBe(false);
    const kv = subjects.kv('gpu-2', 'gpu-1');
    expect(bodyMatchesSubject(kv, { fromInstanceId: 'gpu-1' })).toBe(true);
    expect(bodyMatchesSubject(kv, { fromInstanceId: 'gpu-3' })).toBe(false);
    expect(bodyMatchesSubject(kv, { instanceId: 'gpu-1', requestId: 'req-1' })).toBe(false);
    expect(bodyMatchesSubject('adagen.v1.nope', { fromInstanceId: 'gpu-1' })).toBe(false);
  });

  it('answers a stream body as the parsed subject does, for odd subjects and ids too', () => {
    // The reference: parse the subject, compare the ids.
    const reference = (subject: string, body: { instanceId: string; requestId: string }) => {
      const p = parseSubject(subject);
      return (
        p.ok &&
        p.value.kind === 'stream' &&
        p.value.requestId === body.requestId &&
        p.value.instanceId === body.instanceId
      );
    };
    const parts = ['gw', 'r-1', 'a_2', '', 'x.y', 'a b', '*', '>', 'r-1.a_2', 'é'];
    const subjectsSeen = new Set<string>();
    for (const g of parts)
      for (const r of parts)
        for (const i of parts) {
          subjectsSeen.add(`adagen.v1.stream.${g}.${r}.${i}`);
          subjectsSeen.add(`adagen.v1.stream.${g}.${r}`);
        }
    subjectsSeen.add('adagen.v1.stream.');
    subjectsSeen.add('adagen.v1.agent.gw.kv.r-1');
    subjectsSeen.add('xadagen.v1.stream.gw.r-1.a_2');
    let checked = 0;
    let matches = 0;
    for (const subject of subjectsSeen)
      for (const requestId of parts)
        for (const instanceId of parts) {
          const want = reference(subject, { instanceId, requestId });
          expect(bodyMatchesSubject(subject, { instanceId, requestId }), subject).toBe(want);
          checked++;
          if (want) matches++;
        }
    expect(checked).toBeGreaterThan(10_000);
    expect(matches).toBeGreaterThan(20);
  });
});
