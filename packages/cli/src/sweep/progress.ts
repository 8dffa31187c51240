/** Progress on stderr: a bar on a terminal, otherwise a line at most every few seconds. */
import { SingleBar } from 'cli-progress';
import type { CliIo } from '../io.js';

export interface Progress {
  total(n: number): void;
  tick(label: string): void;
  stop(): void;
}

export function createProgress(io: CliIo, intervalMs = 3000): Progress {
  let done = 0;
  let total = 0;
  if (io.stderrIsTTY) {
    const bar = new SingleBar({
      format: 'sweep {bar} {value}/{total} runs | {eta_formatted} left | {label}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      total(n) {
        total += n;
        if (!started) {
          bar.start(total, 0, { label: '' });
          started = true;
        } else bar.setTotal(total);
      },
      tick(label) {
        done += 1;
        bar.update(done, { label });
      },
      stop: () => bar.stop(),
    };
  }
  let lastMs = Number.NEGATIVE_INFINITY;
  return {
    total(n) {
      total += n;
    },
    tick(label) {
      done += 1;
      const now = io.now();
      if (now - lastMs >= intervalMs || done === total) {
        lastMs = now;
        io.stderr(`[${done}/${total}] ${label}\n`);
      }
    },
    stop: () => undefined,
  };
}
