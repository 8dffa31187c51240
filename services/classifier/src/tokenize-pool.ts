/**
 * Prompt token counting off the event loop, in two lanes of worker threads, each with the Llama 3
 * tokenizer loaded. An 81 k-token prompt takes a worker for 150 ms to over a second: in one
 * shared queue every small prompt behind it waited that long for its first token. So prompts of
 * `bigPromptChars` or more go to their own lane, whose threads run at the lowest OS priority
 * (nice 19): small prompts never queue behind a big one, and a big count yields the CPU to the
 * serving path. Bounded: past `maxQueued` waiting prompts (or `maxBigQueued` big ones) a count
 * is refused with `overloaded`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AdagenError } from '@adagen/protocol';
import { TokenizerWorker } from './tokenize-worker.js';
import type { Counted, WorkerPriority } from './tokenize-worker.js';

export type { WorkerPriority } from './tokenize-worker.js';

export type LaneName = 'small' | 'big';

/** One count, as `onCounted` reports it. */
export interface CountStats {
  readonly lane: LaneName;
  readonly chars: number;
  /** Wall ms the prompt waited: queued behind others in its lane, and passed to and fro. */
  readonly waitMs: number;
  /** Wall ms the worker spent counting. */
  readonly countMs: number;
}

export interface TokenizePoolOptions {
  /** Worker threads counting prompts shorter than `bigPromptChars`. @default 1 */
  readonly workers?: number;
  /**
   * Worker threads counting prompts of `bigPromptChars` or more, at nice `bigNice`; 0: no
   * separate lane (every prompt shares the `workers`). @default 1
   */
  readonly bigWorkers?: number;
  /** Length (UTF-16 code units) from which a prompt is big. @default 8192 (≈ 5 ms of counting) */
  readonly bigPromptChars?: number;
  /** OS nice value of the big-prompt lane's threads (Linux); 0 leaves it unchanged. @default 19 */
  readonly bigNice?: number;
  /** Prompts waiting at most, both lanes together (beyond: `overloaded`). @default 256 */
  readonly maxQueued?: number;
  /** Big prompts waiting at most (beyond: `overloaded`). @default 32 */
  readonly maxBigQueued?: number;
  /** Called after every count (for metrics). */
  readonly onCounted?: (stats: CountStats) => void;
}

/** A lane's threads and what they run at. */
export interface LaneInfo {
  readonly lane: LaneName;
  readonly workers: number;
  readonly priorities: readonly WorkerPriority[];
}

interface Lane {
  readonly name: LaneName;
  readonly workers: TokenizerWorker[];
  readonly maxQueued: number;
  turn: number;
}

const queuedIn = (lane: Lane) => lane.workers.reduce((n, w) => n + w.pending.size, 0);

export class TokenizePool {
  readonly name = 'llama-3 (worker threads)';
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly small: Lane,
    private readonly big: Lane | undefined,
    private readonly bigPromptChars: number,
    private readonly maxQueued: number,
    private readonly onCounted: ((stats: CountStats) => void) | undefined,
  ) {}

  /** Starts the workers and waits until each has its tokenizer loaded. */
  static async start(options: TokenizePoolOptions = {}): Promise<TokenizePool> {
    const tokenizerUrl = pathToFileURL(
      createRequire(import.meta.url).resolve('llama3-tokenizer-js'),
    ).href;
    const small: Lane = { name: 'small', workers: [], maxQueued: Infinity, turn: 0 };
    const bigWorkers = Math.max(0, options.bigWorkers ?? 1);
    const big: Lane | undefined =
      bigWorkers === 0
        ? undefined
        : { name: 'big', workers: [], maxQueued: options.maxBigQueued ?? 32, turn: 0 };
    const pool = new TokenizePool(
      small,
      big,
      options.bigPromptChars ?? 8192,
      options.maxQueued ?? 256,
      options.onCounted,
    );
    try {
      for (let i = 0; i < Math.max(1, options.workers ?? 1); i++)
        small.workers.push(await TokenizerWorker.start(tokenizerUrl, 0));
      for (let i = 0; i < bigWorkers; i++)
        big?.workers.push(await TokenizerWorker.start(tokenizerUrl, options.bigNice ?? 19));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Prompts being counted or waiting. */
  get queued(): number {
    return queuedIn(this.small) + (this.big === undefined ? 0 : queuedIn(this.big));
  }

  /** The lanes, their threads and the OS priority each runs at. */
  get lanes(): LaneInfo[] {
    return [this.small, ...(this.big === undefined ? [] : [this.big])].map((l) => ({
      lane: l.name,
      workers: l.workers.length,
      priorities: l.workers.map((w) => w.priority),
    }));
  }

  /** The lane a prompt of `chars` UTF-16 code units is counted in. */
  laneOf(chars: number): LaneName {
    return this.big !== undefined && chars >= this.bigPromptChars ? 'big' : 'small';
  }

  /** The token count of `text` (with the BOS token the engine adds). */
  async count(text: string): Promise<number> {
    return (await this.run(text, false)).tokens;
  }

  /** The token ids of `text` (with the BOS token the engine adds). */
  async encode(text: string): Promise<Uint32Array> {
    const r = await this.run(text, true);
    if (r.ids === undefined) throw new AdagenError('internal', 'tokenizer: no token ids returned');
    return r.ids;
  }

  private async run(text: string, ids: boolean): Promise<Counted> {
    if (this.closed) throw new AdagenError('unavailable', 'tokenizer pool closed');
    const queued = this.queued;
    if (queued >= this.maxQueued)
      throw new AdagenError('overloaded', `${queued} prompts are waiting to be tokenized`);
    const lane = this.laneOf(text.length) === 'big' && this.big ? this.big : this.small;
    const inLane = queuedIn(lane);
    if (inLane >= lane.maxQueued)
      throw new AdagenError(
        'overloaded',
        `${inLane} prompts of ${this.bigPromptChars} characters or more are waiting to be tokenized`,
      );
    const live = lane.workers.filter((w) => w.alive);
    if (live.length === 0)
      throw new AdagenError(
        'unavailable',
        `every tokenizer worker of the ${lane.name}-prompt lane has exited`,
      );
    // The least busy worker of the lane (round robin among equals).
    let worker = live[lane.turn++ % live.length]!;
    for (const w of live) if (w.pending.size < worker.pending.size) worker = w;
    const t0 = performance.now();
    const counted = await worker.run(this.nextId++, text, ids);
    const waitMs = Math.max(0, performance.now() - t0 - counted.countMs);
    this.onCounted?.({ lane: lane.name, chars: text.length, waitMs, countMs: counted.countMs });
    return counted;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.small.workers, ...(this.big?.workers ?? [])];
    await Promise.all(all.map((w) => w.terminate()));
  }
}
