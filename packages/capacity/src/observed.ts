/**
 * The fleet's observed traffic, as a workload the simulator can replay: every request's arrival
 * (from the balancers' decision records: when, prompt length, the classifier's predicted output
 * length) and, once it finished, its real output length (from the agents' completion records).
 * A window of it keeps the arrival times as they were (rate and burstiness) and the lengths as
 * observed; a request not finished yet gets an output length drawn from the window's finished
 * ones (its prediction when none has finished).
 */
import type { Rng } from '@adagen/stats';
import type { TraceRequest, Workload } from '@adagen/workloads';

interface Arrival {
  id: string;
  atMs: number;
  promptTokens: number;
  predictedOutputTokens: number;
  outputTokens?: number;
}

export class ObservedTraffic {
  private readonly arrivals: Arrival[] = [];
  private readonly byId = new Map<string, Arrival>();

  /** @param keepMs how long arrivals are kept (fleet ms). */
  constructor(private readonly keepMs: number) {}

  /** A request entered the fleet (its first attempt's decision). */
  arrive(id: string, atMs: number, promptTokens: number, predictedOutputTokens: number): void {
    if (this.byId.has(id)) return;
    const a: Arrival = { id, atMs, promptTokens, predictedOutputTokens };
    this.arrivals.push(a);
    this.byId.set(id, a);
    this.forget(atMs);
  }

  /** A request finished with `outputTokens`. */
  complete(id: string, outputTokens: number): void {
    const a = this.byId.get(id);
    if (a !== undefined) a.outputTokens = outputTokens;
  }

  /** Arrivals in `(nowMs − windowMs, nowMs]`, as a workload starting at 0. */
  window(nowMs: number, windowMs: number, rng: Rng): Workload {
    this.forget(nowMs);
    const from = nowMs - windowMs;
    const inWindow = this.arrivals
      .filter((a) => a.atMs > from && a.atMs <= nowMs)
      .sort((a, b) => a.atMs - b.atMs);
    const finished = inWindow.flatMap((a) =>
      a.outputTokens === undefined ? [] : [a.outputTokens],
    );
    const requests: TraceRequest[] = inWindow.map((a, i) => ({
      id: `obs-${i}`,
      arrivalMs: a.atMs - from,
      promptTokens: Math.max(1, a.promptTokens),
      outputTokens: Math.max(
        1,
        a.outputTokens ??
          (finished.length > 0 ? finished[rng.int(finished.length)]! : a.predictedOutputTokens),
      ),
      source: 'observed',
    }));
    const done = finished.length;
    return {
      name: 'observed',
      requests,
      notes: [
        `observed window of ${(windowMs / 1000).toFixed(0)} s: ${requests.length} arrivals, ${done} finished (the others' output lengths drawn from those)`,
      ],
    };
  }

  get size(): number {
    return this.arrivals.length;
  }

  private forget(nowMs: number): void {
    let k = 0;
    while (k < this.arrivals.length && this.arrivals[k]!.atMs < nowMs - this.keepMs) {
      this.byId.delete(this.arrivals[k]!.id);
      k++;
    }
    if (k > 0) this.arrivals.splice(0, k);
  }
}
