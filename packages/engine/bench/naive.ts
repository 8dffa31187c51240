// A straightforward decode-only simulator, the baseline for iterations.bench.ts: fresh arrays
// per iteration (filter/map), an event object per token, a Map for KV blocks. Same physics.
import type { LatencyModel } from '../src/index.js';

interface NaiveReq {
  id: string;
  promptTokens: number;
  generated: number;
  outputTokens: number;
}

export interface TokenEvent {
  type: 'token';
  id: string;
  index: number;
  atMs: number;
}

export class NaiveInstance {
  clockMs = 0;
  private running: NaiveReq[] = [];
  private readonly blocks = new Map<string, number>();

  constructor(
    private readonly model: LatencyModel,
    private readonly blockSize: number,
    private readonly onEvent: (
      e: TokenEvent | { type: 'finished'; id: string; atMs: number },
    ) => void,
  ) {}

  add(id: string, promptTokens: number, generated: number, outputTokens: number): void {
    this.running.push({ id, promptTokens, generated, outputTokens });
    this.blocks.set(id, Math.ceil((promptTokens + generated) / this.blockSize));
  }

  /** One decode iteration for everything running; returns the batch size. */
  step(): number {
    const batch = this.running.map((r) => ({
      req: r,
      contextTokens: r.promptTokens + r.generated,
    }));
    for (const b of batch) {
      const need = Math.ceil(b.contextTokens / this.blockSize);
      if (need > (this.blocks.get(b.req.id) ?? 0)) this.blocks.set(b.req.id, need);
    }
    const features = {
      prefillTokens: 0,
      prefillAttnWork: 0,
      decodeRequests: batch.length,
      decodeContextTokens: batch.reduce((s, b) => s + b.contextTokens, 0),
      numSeqs: batch.length,
    };
    this.clockMs += this.model.iterationMs(features);
    const events = batch.map((b) => ({
      type: 'token' as const,
      id: b.req.id,
      index: b.req.generated++,
      atMs: this.clockMs,
    }));
    for (const e of events) this.onEvent(e);
    const done = this.running.filter((r) => r.generated >= r.outputTokens);
    this.running = this.running.filter((r) => r.generated < r.outputTokens);
    for (const r of done) {
      this.blocks.delete(r.id);
      this.onEvent({ type: 'finished', id: r.id, atMs: this.clockMs });
    }
    return batch.length;
  }
}
