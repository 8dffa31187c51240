/** What the classifier tells about its tokenizer lanes: a histogram per count, a line at start. */
import type { Logger } from '@adagen/runtime';
import { Histogram } from 'prom-client';
import type { CountStats, LaneInfo } from './tokenize-pool.js';

/**
 * `adagen_tokenizer_seconds{lane, phase}`: each prompt's wait for a worker and its count. Not
 * registered yet (the pool starts before the runtime's registry exists).
 */
export function tokenizerHistogram(): Histogram<'lane' | 'phase'> {
  return new Histogram({
    name: 'adagen_tokenizer_seconds',
    help: 'Prompt token counting by lane (small, big): time waiting for a worker (wait) and counting (count)',
    labelNames: ['lane', 'phase'],
    buckets: [5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [],
  });
}

export function observeCount(seconds: Histogram<'lane' | 'phase'>, s: CountStats): void {
  seconds.observe({ lane: s.lane, phase: 'wait' }, s.waitMs / 1000);
  seconds.observe({ lane: s.lane, phase: 'count' }, s.countMs / 1000);
}

/** One line per lane; a warning when the big-prompt lane could not lower its priority. */
export function logLanes(logger: Logger, lanes: readonly LaneInfo[]): void {
  for (const l of lanes) {
    const failed = l.priorities.find((p) => p.niceError !== undefined);
    if (failed !== undefined)
      logger.warn(
        { lane: l.lane, workers: l.workers, err: failed.niceError },
        'tokenizer lane runs at normal OS priority: could not lower it',
      );
    else
      logger.info(
        { lane: l.lane, workers: l.workers, nice: l.priorities.map((p) => p.nice) },
        'tokenizer lane',
      );
  }
}
