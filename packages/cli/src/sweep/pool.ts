/**
 * Runs cells on up to `jobs` threads. Each worker runs one cell at a time; cells are
 * independent, so results do not depend on which worker ran them. When the CLI runs from its
 * TypeScript sources (tests, tsx) workers are not available and cells run in this thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CliEnv } from '../args/workload.js';
import type { CellResult, CellSpec } from './cell.js';
import { runCell } from './cell.js';

export interface CellRunner {
  run(spec: CellSpec): Promise<CellResult>;
  close(): Promise<void>;
}

export interface WorkerRequest {
  id: number;
  spec: CellSpec;
  ctx: CliEnv;
}

export type WorkerReply =
  { id: number; ok: true; value: CellResult } | { id: number; ok: false; message: string };

const workerUrl = new URL('./worker.js', import.meta.url);
const canUseWorkers = import.meta.url.endsWith('.js');

export function defaultJobs(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

export function createRunner(jobs: number, ctx: CliEnv, clock: () => number): CellRunner {
  if (jobs <= 1 || !canUseWorkers) {
    // One at a time, in order, so in-thread runs are as reproducible as threaded ones.
    let tail: Promise<unknown> = Promise.resolve();
    return {
      run(spec) {
        const next = tail.then(() => runCell(spec, ctx, clock));
        tail = next.catch(() => undefined);
        return next;
      },
      close: () => Promise.resolve(),
    };
  }
  return new WorkerPool(jobs, ctx);
}

class WorkerPool implements CellRunner {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Array<() => void> = [];
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly ctx: CliEnv,
  ) {}

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.length < this.size) {
      const worker = new Worker(workerUrl);
      this.all.push(worker);
      return Promise.resolve(worker);
    }
    return new Promise((resolve) => this.queue.push(() => resolve(this.acquire())));
  }

  private releaseWorker(w: Worker): void {
    this.idle.push(w);
    this.queue.shift()?.();
  }

  async run(spec: CellSpec): Promise<CellResult> {
    const worker = await this.acquire();
    const id = this.nextId++;
    let crashed = false;
    try {
      return await new Promise<CellResult>((resolve, reject) => {
        const onMessage = (reply: WorkerReply) => {
          if (reply.id !== id) return;
          cleanup();
          if (reply.ok) resolve(reply.value);
          else reject(new Error(reply.message));
        };
        const onError = (err: Error) => {
          crashed = true;
          cleanup();
          reject(err);
        };
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        const request: WorkerRequest = { id, spec, ctx: this.ctx };
        worker.postMessage(request);
      });
    } finally {
      if (crashed) this.dropWorker(worker);
      else this.releaseWorker(worker);
    }
  }

  /** A worker that threw is not reused; the next `acquire` may start a fresh one. */
  private dropWorker(w: Worker): void {
    this.all.splice(this.all.indexOf(w), 1);
    void w.terminate();
    this.queue.shift()?.();
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
