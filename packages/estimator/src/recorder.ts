import type { InstanceObserver } from '@adagen/engine';
import type { RequestWindow } from './types.js';

/**
 * An observer that records, per request, what a forward run produced: tokens, first/last
 * token time, prefill completion and finish. One small record per request per run.
 */
export class WindowRecorder implements InstanceObserver {
  readonly windows = new Map<string, RequestWindow>();
  iterations = 0;
  lastEndMs = 0;
  busyMs = 0;
  /** Prefill tokens computed by the recorded iterations. */
  prefillTokens = 0;

  private get(id: string): RequestWindow {
    let w = this.windows.get(id);
    if (!w) {
      w = {
        tokens: 0,
        firstAtMs: Number.POSITIVE_INFINITY,
        lastAtMs: Number.NEGATIVE_INFINITY,
        firstIndex: -1,
        prefillDoneAtMs: Number.POSITIVE_INFINITY,
        finished: false,
      };
      this.windows.set(id, w);
    }
    return w;
  }

  onToken(id: string, index: number, atMs: number): void {
    const w = this.get(id);
    if (w.tokens === 0) {
      w.firstAtMs = atMs;
      w.firstIndex = index;
    }
    w.tokens++;
    w.lastAtMs = atMs;
  }

  onPrefillDone(id: string, atMs: number): void {
    this.get(id).prefillDoneAtMs = atMs;
  }

  onFinished(id: string): void {
    this.get(id).finished = true;
  }

  onIteration(report: { startMs: number; durationMs: number; prefillTokens: number }): void {
    this.iterations++;
    this.busyMs += report.durationMs;
    this.prefillTokens += report.prefillTokens;
    this.lastEndMs = report.startMs + report.durationMs;
  }
}
