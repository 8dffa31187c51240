/** What a simulated agent needs from its process: the clock, timers and the outbound subjects. */
import type { CompletionRecord, KvHandoffNotice, StreamMessage } from '@adagen/protocol';
import type { FleetClock } from '../clock.js';

export interface AgentHost {
  readonly clock: FleetClock;
  /** Runs `fn` after `fleetDelayMs` of fleet time; returns a function that cancels it. */
  setTimer(fleetDelayMs: number, fn: () => void): () => void;
  /** Publishes a token chunk or the terminal outcome on `subject` (the job's `streamSubject`). */
  stream(subject: string, message: StreamMessage): void;
  /** Publishes a KV hand-off notice to `adagen.v1.agent.<toInstanceId>.kv`. */
  kv(toInstanceId: string, notice: KvHandoffNotice): void;
  /** Publishes a completion record. */
  completion(record: CompletionRecord): void;
  /** The set of requests on the instance changed (a state snapshot is due). */
  changed(): void;
  /** Something went wrong with one request (logged by the host). */
  warn(fields: Record<string, unknown>, message: string): void;
}
