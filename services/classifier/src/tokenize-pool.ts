/**
 * Prompt token counting off the event loop: a small pool of worker threads, each with the Llama 3
 * tokenizer loaded, so an 81 k-token prompt (over a second of BPE on this machine) does not stall
 * every other request on the classifier. Bounded: past `maxQueued` waiting prompts a count is
 * refused with `overloaded`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AdagenError } from '@adagen/protocol';

/**
 * The worker: loads the tokenizer module, then answers `{ id, text, ids }` with `{ id, tokens }`
 * and, when `ids` was asked for, the token ids (a transferred Uint32Array).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.tokenizerUrl).then(({ default: tokenizer }) => {
  parentPort.on('message', ({ id, text, ids }) => {
    try {
      const encoded = tokenizer.encode(text, { bos: true, eos: false });
      if (!ids) return parentPort.postMessage({ id, tokens: encoded.length });
      const array = Uint32Array.from(encoded);
      parentPort.postMessage({ id, tokens: encoded.length, ids: array }, [array.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: String(error && error.message || error) });
    }
  });
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ fatal: String(error && error.message || error) }));
`;

interface Pending {
  readonly resolve: (tokens: number, ids: Uint32Array | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  alive: boolean;
}

type WorkerReply =
  | { ready: true }
  | { fatal: string }
  | { id: number; tokens: number; ids?: Uint32Array }
  | { id: number; error: string };

export interface TokenizePoolOptions {
  /** Worker threads. @default 1 */
  readonly workers?: number;
  /** Prompts waiting at most (beyond: `overloaded`). @default 256 */
  readonly maxQueued?: number;
}

export class TokenizePool {
  readonly name = 'llama-3 (worker threads)';
  private readonly slots: Slot[] = [];
  private readonly maxQueued: number;
  private nextId = 0;
  private turn = 0;
  private closed = false;

  private constructor(maxQueued: number) {
    this.maxQueued = maxQueued;
  }

  /** Starts the workers and waits until each has its tokenizer loaded. */
  static async start(options: TokenizePoolOptions = {}): Promise<TokenizePool> {
    const pool = new TokenizePool(options.maxQueued ?? 256);
    const tokenizerUrl = pathToFileURL(
      createRequire(import.meta.url).resolve('llama3-tokenizer-js'),
    ).href;
    const n = Math.max(1, options.workers ?? 1);
    try {
      for (let i = 0; i < n; i++) pool.slots.push(await startWorker(tokenizerUrl));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Prompts being counted or waiting. */
  get queued(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending.size;
    return n;
  }

  /** The token count of `text` (with the BOS token the engine adds). */
  count(text: string): Promise<number> {
    return this.run(text, false).then((r) => r.tokens);
  }

  /** The token ids of `text` (with the BOS token the engine adds). */
  async encode(text: string): Promise<Uint32Array> {
    const r = await this.run(text, true);
    if (r.ids === undefined) throw new AdagenError('internal', 'tokenizer: no token ids returned');
    return r.ids;
  }

  private run(text: string, ids: boolean): Promise<{ tokens: number; ids?: Uint32Array }> {
    if (this.closed) return Promise.reject(new AdagenError('unavailable', 'tokenizer pool closed'));
    if (this.queued >= this.maxQueued)
      return Promise.reject(
        new AdagenError('overloaded', `${this.queued} prompts are waiting to be tokenized`),
      );
    const live = this.slots.filter((s) => s.alive);
    if (live.length === 0)
      return Promise.reject(new AdagenError('unavailable', 'every tokenizer worker has exited'));
    // The least busy worker (round robin among equals).
    let slot = live[this.turn++ % live.length]!;
    for (const s of live) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, {
        resolve: (tokens, array) =>
          resolve(array === undefined ? { tokens } : { tokens, ids: array }),
        reject,
      });
      slot.worker.postMessage({ id, text, ids });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async (s) => {
        for (const p of s.pending.values())
          p.reject(new AdagenError('unavailable', 'tokenizer pool closed'));
        s.pending.clear();
        await s.worker.terminate();
      }),
    );
  }
}

function startWorker(tokenizerUrl: string): Promise<Slot> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tokenizerUrl } });
    const slot: Slot = { worker, pending: new Map(), alive: true };
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      if ('ready' in m) return resolve(slot);
      if ('fatal' in m) return reject(new Error(`tokenizer worker: ${m.fatal}`));
      const p = slot.pending.get(m.id);
      if (p === undefined) return;
      slot.pending.delete(m.id);
      if ('error' in m) p.reject(new AdagenError('internal', `tokenizer: ${m.error}`));
      else p.resolve(m.tokens, m.ids);
    });
    const fail = (why: string) => {
      slot.alive = false;
      for (const p of slot.pending.values())
        p.reject(new AdagenError('internal', `tokenizer worker ${why}`));
      slot.pending.clear();
    };
    worker.on('error', (error) => {
      fail(`failed: ${error.message}`);
      reject(error);
    });
    worker.on('exit', (code) => {
      fail(`exited (code ${code})`);
      reject(new Error(`tokenizer worker exited (code ${code}) before it was ready`));
    });
  });
}
