/**
 * Prompt block hashes of the requests in flight, for prefix caching: computed from the trace's
 * `hashIds` (one per 512 tokens, `traceBlockHashes`) at the instances' block size when a request
 * arrives, dropped when it completes. Only when some instance caches prefixes and the request
 * has hash ids; otherwise nothing is computed and requests carry no prefix.
 */
import type { BlockHash } from '@adagen/engine';
import { traceBlockHashes } from '@adagen/engine';
import type { TraceRequest } from '@adagen/workloads';
import type { InstanceSlot } from './instances.js';

export interface RequestPrefix {
  blockSize: number;
  blockHashes: readonly BlockHash[];
}

export class RequestPrefixes {
  private readonly byRequest = new Map<number, Map<number, RequestPrefix>>();
  /** Block size of the first caching instance (the one policies see), or undefined. */
  readonly blockSize: number | undefined;

  constructor(
    private readonly requests: readonly TraceRequest[],
    slots: readonly InstanceSlot[],
  ) {
    const caching = slots.find((s) => s.instance.config.enablePrefixCaching);
    this.blockSize = caching?.instance.config.blockSize;
  }

  /** The prefix of request `r` at block size `blockSize` (default: the policies' block size). */
  of(r: number, blockSize = this.blockSize): RequestPrefix | undefined {
    if (blockSize === undefined) return undefined;
    const req = this.requests[r]!;
    if (req.hashIds === undefined) return undefined;
    let sizes = this.byRequest.get(r);
    if (sizes === undefined) {
      sizes = new Map();
      this.byRequest.set(r, sizes);
    }
    let p = sizes.get(blockSize);
    if (p === undefined) {
      let blockHashes: BlockHash[];
      try {
        blockHashes = traceBlockHashes(req.hashIds, req.promptTokens, blockSize);
      } catch (cause) {
        const msg = cause instanceof Error ? cause.message : String(cause);
        throw new RangeError(`request ${req.id}: ${msg}`, { cause });
      }
      p = { blockSize, blockHashes };
      sizes.set(blockSize, p);
    }
    return p;
  }

  forget(r: number): void {
    this.byRequest.delete(r);
  }
}
