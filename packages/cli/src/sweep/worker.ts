/** Worker thread entry: runs the cells the pool posts, one at a time. */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { runCell } from './cell.js';
import type { WorkerReply, WorkerRequest } from './pool.js';

const port = parentPort;
if (port) {
  port.on('message', (req: WorkerRequest) => {
    runCell(req.spec, req.ctx, () => performance.now()).then(
      (value) => port.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply),
      (e: unknown) =>
        port.postMessage({
          id: req.id,
          ok: false,
          message: e instanceof Error ? e.message : String(e),
        } satisfies WorkerReply),
    );
  });
}
