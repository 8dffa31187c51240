import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { OWNER_FILE, reapOrphans } from './orphans.js';
import { notice } from './report.js';

/**
 * A temp directory for one server or cluster: configs, logs, JetStream data. Removed on dispose,
 * unless logs should be kept: `KEEP_NATS_LOGS=1`, a server crashed, or the test that started it
 * failed. When created inside a test, removal waits until the test's result is known (a server
 * disposed with `await using` is stopped before the failure is reported); from a `beforeAll`,
 * only `KEEP_NATS_LOGS=1` or a crash keep the logs.
 */
export class WorkDir {
  private keepReason: string | undefined;
  private testRunning = false;
  private disposeRequested = false;
  private finished: Promise<void> | undefined;

  private constructor(readonly path: string) {
    if (process.env.KEEP_NATS_LOGS === '1') this.keepReason = 'KEEP_NATS_LOGS=1';
  }

  static async create(label: string): Promise<WorkDir> {
    await reapOrphans();
    const dir = new WorkDir(await mkdtemp(join(tmpdir(), `adagen-${label}-`)));
    await writeFile(join(dir.path, OWNER_FILE), String(process.pid));
    try {
      onTestFinished(async (context) => {
        if (context.task.result?.state === 'fail') dir.keep('the test failed');
        dir.testRunning = false;
        if (dir.disposeRequested) await dir.finish();
      });
      dir.testRunning = true;
    } catch {
      // Not inside a running test (e.g. beforeAll).
    }
    return dir;
  }

  keep(reason: string): void {
    this.keepReason ??= reason;
  }

  /** Removes the directory (or reports where its logs are kept), now or when the test ends. */
  async dispose(): Promise<void> {
    this.disposeRequested = true;
    if (!this.testRunning) await this.finish();
  }

  private finish(): Promise<void> {
    this.finished ??= (async () => {
      if (this.keepReason !== undefined)
        notice(`nats logs kept (${this.keepReason}): ${this.path}`);
      else await rm(this.path, { recursive: true, force: true });
    })();
    return this.finished;
  }
}
