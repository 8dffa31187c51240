/**
 * Publishes the engine's prefix-cache changes on `adagen.v1.agent.<id>.cache`: a numbered batch
 * every `batchPeriodMs` when something changed, and a full snapshot every `snapshotPeriodMs`
 * (balancers that lost or reordered a batch resynchronise from it).
 */
import { CacheFeed } from '@adagen/fleet';
import type { FleetClock, PrefixCacheSource } from '@adagen/fleet';
import { createCodec, kvCacheMessageSchema, subjects } from '@adagen/protocol';
import type { KvCacheMessage } from '@adagen/protocol';
import type { NatsConnection } from '@nats-io/nats-core';

const codec = createCodec(kvCacheMessageSchema, { validateOnEncode: false });

export interface CachePublisherOptions {
  readonly nc: NatsConnection;
  readonly instanceId: string;
  readonly source: PrefixCacheSource;
  readonly clock: FleetClock;
  readonly batchPeriodMs: number;
  readonly snapshotPeriodMs: number;
}

export class CachePublisher {
  private readonly feed: CacheFeed;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private snapshotDueMs: number;
  readonly counts = { batches: 0, snapshots: 0, failures: 0 };

  constructor(private readonly o: CachePublisherOptions) {
    this.feed = new CacheFeed({
      instanceId: o.instanceId,
      epoch: Math.floor(o.clock.nowMs()),
      blockSize: o.source.blockSize,
    });
    this.snapshotDueMs = o.clock.nowMs();
  }

  /** Blocks the engine holds, as last read. */
  get blocks(): number {
    return this.feed.size;
  }

  start(): void {
    const tick = () => {
      this.tick();
      this.timer = setTimeout(tick, this.o.clock.wallDelayMs(this.o.batchPeriodMs));
    };
    tick();
  }

  /** Reads the engine's changes and publishes them, and the snapshot when it is due. */
  tick(): void {
    if (this.o.nc.isClosed()) return;
    const now = this.o.clock.nowMs();
    this.feed.push(this.o.source.changes());
    for (const b of this.feed.takeBatches(now)) if (this.send(b)) this.counts.batches++;
    if (now >= this.snapshotDueMs) {
      this.snapshotDueMs = now + this.o.snapshotPeriodMs;
      if (this.send(this.feed.snapshot(now))) this.counts.snapshots++;
    }
  }

  private send(m: KvCacheMessage): boolean {
    try {
      this.o.nc.publish(subjects.cache(this.o.instanceId), codec.encode(m));
      return true;
    } catch {
      // Closed connection or an oversize message: the next snapshot resynchronises subscribers.
      this.counts.failures++;
      return false;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
