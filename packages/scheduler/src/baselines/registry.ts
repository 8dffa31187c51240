/** The named baseline policies: each a balancer with the default classifier and single planner. */
import { createRng } from '@adagen/stats';
import { DefaultClassifier } from '../classifier.js';
import { SinglePlanner } from '../planner.js';
import { composePolicy } from '../policy.js';
import type { Balancer, Policy } from '../types.js';
import {
  LeastKvBalancer,
  LeastRequestsBalancer,
  LlumnixBalancer,
  LMetricBalancer,
} from './load.js';
import { PowerOfTwoBalancer, RandomBalancer, RoundRobinBalancer } from './simple.js';
import { DynamoKvBalancer } from './dynamo-kv.js';
import { LlmdPrefixBalancer } from './llmd-prefix.js';
import { SglangCacheBalancer } from './sglang-cache.js';
import { DynamoKvNoPrefixBalancer } from './dynamo-noprefix.js';

export interface PolicyOptions {
  /** Seed for policies that draw random numbers. @default 0 */
  seed?: number;
}

export const baselinePolicyNames = [
  'round-robin',
  'random',
  'least-requests',
  'least-kv',
  'llumnix',
  'lmetric',
  'power-of-two',
  'dynamo-kv',
  'sglang-cache',
  'llmd-prefix',
  'dynamo-kv-noprefix',
] as const;
export type BaselinePolicyName = (typeof baselinePolicyNames)[number];

const balancers: Record<BaselinePolicyName, (seed: number) => Balancer> = {
  'round-robin': () => new RoundRobinBalancer(),
  random: (seed) => new RandomBalancer(createRng(seed).fork('random')),
  'least-requests': () => new LeastRequestsBalancer(),
  'least-kv': () => new LeastKvBalancer(),
  llumnix: () => new LlumnixBalancer(),
  lmetric: () => new LMetricBalancer(),
  'power-of-two': (seed) => new PowerOfTwoBalancer(createRng(seed).fork('power-of-two')),
  'dynamo-kv': (seed) => new DynamoKvBalancer(createRng(seed).fork('dynamo-kv')),
  'sglang-cache': () => new SglangCacheBalancer(),
  'llmd-prefix': (seed) => new LlmdPrefixBalancer(createRng(seed).fork('llmd-prefix')),
  'dynamo-kv-noprefix': () => new DynamoKvNoPrefixBalancer(),
};

/** Factories for every baseline by name (a fresh, stateful policy per call). */
export const baselinePolicies: Readonly<Record<BaselinePolicyName, (o?: PolicyOptions) => Policy>> =
  Object.freeze(
    Object.fromEntries(
      baselinePolicyNames.map((name) => [
        name,
        (o: PolicyOptions = {}) =>
          composePolicy(
            name,
            new DefaultClassifier(),
            balancers[name](o.seed ?? 0),
            new SinglePlanner(),
          ),
      ]),
    ) as Record<BaselinePolicyName, (o?: PolicyOptions) => Policy>,
  );

export function isBaselinePolicyName(name: string): name is BaselinePolicyName {
  return (baselinePolicyNames as readonly string[]).includes(name);
}

/** A fresh baseline policy by name; throws a RangeError listing the names when unknown. */
export function createPolicy(name: string, options: PolicyOptions = {}): Policy {
  if (!isBaselinePolicyName(name)) {
    throw new RangeError(
      `unknown policy "${name}" (expected one of: ${baselinePolicyNames.join(', ')})`,
    );
  }
  return baselinePolicies[name](options);
}
