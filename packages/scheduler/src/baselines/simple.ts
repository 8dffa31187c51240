/** Load-blind and lightly load-aware baselines: round-robin, random, power of two choices. */
import type { Rng } from '@adagen/stats';
import type { Balancer, Classification, ClusterView, Placement } from '../types.js';
import { placementOn } from './argmin.js';
import { outstandingRequests, readyIndices } from './signals.js';

/**
 * Round-robin over the ready instances in view order: the vLLM production-stack router's
 * default (PEERS.md). Draining instances are skipped without consuming a turn.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin';
  private cursor = 0;

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    const n = view.instances.length;
    let index = ready[0]!;
    for (let step = 0; step < n; step++) {
      const i = (this.cursor + step) % n;
      if (view.instances[i]!.status === 'ready') {
        index = i;
        break;
      }
    }
    this.cursor = (index + 1) % n;
    return placementOn(classification, view, index, ready.length);
  }
}

/** Uniformly random among ready instances, from an injected seeded generator. */
export class RandomBalancer implements Balancer {
  readonly name = 'random';
  constructor(private readonly rng: Rng) {}

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    const index = ready[this.rng.int(ready.length)]!;
    return placementOn(classification, view, index, ready.length);
  }
}

/**
 * Power of two choices (SGLang model gateway's `power_of_two`, PEERS.md): sample two distinct
 * ready instances and take the one with fewer outstanding requests (running + waiting +
 * pending); a tie goes to the first drawn. With one ready instance it is that one.
 */
export class PowerOfTwoBalancer implements Balancer {
  readonly name = 'power-of-two';
  constructor(private readonly rng: Rng) {}

  place(classification: Classification, view: ClusterView): Placement {
    const ready = readyIndices(view.instances);
    if (ready.length === 1) return placementOn(classification, view, ready[0]!, 1);
    const a = this.rng.int(ready.length);
    let b = this.rng.int(ready.length - 1);
    if (b >= a) b += 1;
    const ia = ready[a]!;
    const ib = ready[b]!;
    const la = outstandingRequests(view.instances[ia]!);
    const lb = outstandingRequests(view.instances[ib]!);
    return placementOn(classification, view, lb < la ? ib : ia, 2);
  }
}
