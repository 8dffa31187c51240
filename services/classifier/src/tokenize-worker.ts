/**
 * One tokenizer worker thread: loads the Llama 3 tokenizer, lowers its own OS priority when
 * asked (the big-prompt lane, so a long count yields the CPU to the serving path), then answers
 * `{ id, text, ids }` with `{ id, tokens, countMs }` and, when `ids` was asked for, the token ids
 * (a transferred Uint32Array).
 */
import { Worker } from 'node:worker_threads';
import { AdagenError } from '@adagen/protocol';

/**
 * The worker. Linux gives a thread its own nice value: the thread's id is the last part of
 * `/proc/thread-self` (`<pid>/task/<tid>`), and `setpriority(PRIO_PROCESS, tid)` changes that
 * thread only. Where that fails (not Linux, no /proc), the worker still serves and says why.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readlinkSync } = require('node:fs');
const { getPriority, setPriority } = require('node:os');
function lowerPriority(nice) {
  if (!(nice > 0)) return { nice: 0 };
  try {
    const link = readlinkSync('/proc/thread-self');
    const tid = Number(link.split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) throw new Error('no thread id in /proc/thread-self (' + link + ')');
    setPriority(tid, nice);
    return { nice: getPriority(tid), tid };
  } catch (error) {
    return { nice: 0, niceError: String((error && error.message) || error) };
  }
}
import(workerData.tokenizerUrl).then(({ default: tokenizer }) => {
  const priority = lowerPriority(workerData.nice);
  parentPort.on('message', ({ id, text, ids }) => {
    try {
      const t0 = performance.now();
      const encoded = tokenizer.encode(text, { bos: true, eos: false });
      const countMs = performance.now() - t0;
      if (!ids) return parentPort.postMessage({ id, tokens: encoded.length, countMs });
      const array = Uint32Array.from(encoded);
      parentPort.postMessage({ id, tokens: encoded.length, countMs, ids: array }, [array.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.message) || error) });
    }
  });
  parentPort.postMessage({ ready: true, ...priority });
}, (error) => parentPort.postMessage({ fatal: String((error && error.message) || error) }));
`;

/** A count as the worker answered it. */
export interface Counted {
  readonly tokens: number;
  /** Wall ms the worker spent counting (the rest of the wait was queueing). */
  readonly countMs: number;
  readonly ids?: Uint32Array;
}

interface Pending {
  readonly resolve: (counted: Counted) => void;
  readonly reject: (error: Error) => void;
}

/** The OS priority a worker thread runs at. */
export interface WorkerPriority {
  /** Its nice value (0: unchanged). */
  readonly nice: number;
  /** Its OS thread id, when it lowered its priority. */
  readonly tid?: number;
  /** Why a lower priority was asked for and not applied. */
  readonly niceError?: string;
}

type WorkerReply =
  | ({ ready: true } & WorkerPriority)
  | { fatal: string }
  | { id: number; tokens: number; countMs: number; ids?: Uint32Array }
  | { id: number; error: string };

/** One worker thread and the prompts sent to it that it has not answered yet. */
export class TokenizerWorker {
  readonly pending = new Map<number, Pending>();
  alive = true;

  private constructor(
    private readonly worker: Worker,
    readonly priority: WorkerPriority,
  ) {}

  /** Starts a worker at nice `nice` (0: unchanged) and waits until its tokenizer is loaded. */
  static start(tokenizerUrl: string, nice: number): Promise<TokenizerWorker> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { tokenizerUrl, nice } });
      let slot: TokenizerWorker | undefined;
      worker.unref();
      worker.on('message', (m: WorkerReply) => {
        if ('ready' in m) {
          const { ready: _, ...priority } = m;
          slot = new TokenizerWorker(worker, priority);
          return resolve(slot);
        }
        if ('fatal' in m) return reject(new Error(`tokenizer worker: ${m.fatal}`));
        const p = slot?.pending.get(m.id);
        if (p === undefined) return;
        slot?.pending.delete(m.id);
        if ('error' in m) p.reject(new AdagenError('internal', `tokenizer: ${m.error}`));
        else p.resolve(m);
      });
      worker.on('error', (error) => {
        slot?.fail(`failed: ${error.message}`);
        reject(error);
      });
      worker.on('exit', (code) => {
        slot?.fail(`exited (code ${code})`);
        reject(new Error(`tokenizer worker exited (code ${code}) before it was ready`));
      });
    });
  }

  /** Sends `text` to the worker; resolves with its answer. */
  run(id: number, text: string, ids: boolean): Promise<Counted> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, text, ids });
    });
  }

  /** Rejects what it holds and stops the thread. */
  async terminate(): Promise<void> {
    this.alive = false;
    for (const p of this.pending.values())
      p.reject(new AdagenError('unavailable', 'tokenizer pool closed'));
    this.pending.clear();
    await this.worker.terminate();
  }

  private fail(why: string): void {
    this.alive = false;
    for (const p of this.pending.values())
      p.reject(new AdagenError('internal', `tokenizer worker ${why}`));
    this.pending.clear();
  }
}
