/**
 * A streamed response's output: SSE events written at most once per event-loop tick (the
 * chunks of one tick joined into one socket write), and only while the socket takes them. A
 * client that stops reading makes its socket report back-pressure; its events wait in memory up
 * to `maxBufferedBytes`, past which `onOverflow` is called (the gateway gives up on the client)
 * instead of memory growing without bound.
 */
import type { ServerResponse } from 'node:http';

export class SseOut {
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled = false;
  private draining = false;
  private overflowed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Queues an event; written with the others of this tick. */
  write(text: string): void {
    if (this.res.writableEnded || this.res.destroyed || this.overflowed) return;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (
      this.pendingChars > this.maxBufferedBytes &&
      (this.draining || this.res.writableNeedDrain)
    ) {
      this.overflowed = true;
      this.pending = [];
      this.pendingChars = 0;
      this.onOverflow();
      return;
    }
    if (!this.scheduled && !this.draining) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued, then ends the response. */
  end(): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    const rest = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.res.end(rest === '' ? undefined : rest);
  }

  /** Characters waiting to be written. */
  get buffered(): number {
    return this.pendingChars;
  }

  private flush(): void {
    if (this.pending.length === 0 || this.res.writableEnded || this.res.destroyed) return;
    if (this.res.writableNeedDrain) {
      if (this.draining) return;
      this.draining = true;
      this.res.once('drain', () => {
        this.draining = false;
        this.flush();
      });
      return;
    }
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.res.write(text);
  }
}
