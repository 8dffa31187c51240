/**
 * Plots of a prefix-caching sweep: per trace and rate, the TTFT CDF of every policy; per trace,
 * the prefix-cache hit rate of every policy at each rate. Read from run entries (a sweep's
 * cells, or the `runs` of its result.json), so they can be drawn again from a saved result.
 */
import { plotBars } from './bars.js';
import type { BarRow } from './bars.js';
import { plotCdf } from './cdf.js';
import { writePlot } from './write.js';

export interface PrefixPlotRun {
  trace: string;
  policy: string;
  ratePerS: number | null;
  metrics: { prefixCache?: { hitRate: number } | undefined };
  cdf: { ttftMs: ReadonlyArray<readonly [number, number]> };
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_');

/** Writes `ttft-cdf-<trace>-<rate>` and `prefix-hit-<trace>` plots; returns the base names. */
export async function writePrefixPlots(
  dir: string,
  runs: readonly PrefixPlotRun[],
  title: string,
): Promise<string[]> {
  const written: string[] = [];
  for (const trace of [...new Set(runs.map((r) => r.trace))]) {
    const mine = runs.filter((r) => r.trace === trace && r.ratePerS !== null);
    const rates = [...new Set(mine.map((r) => r.ratePerS!))].sort((a, b) => a - b);
    for (const rate of rates) {
      const at = mine.filter((r) => r.ratePerS === rate);
      const plot = await plotCdf(
        at.map((r) => ({ label: r.policy, points: r.cdf.ttftMs })),
        {
          title: `${trace} at ${rate} req/s (${title}): TTFT CDF`,
          xLabel: 'TTFT (ms)',
          logX: true,
        },
      );
      const name = `ttft-cdf-${fileSafe(trace)}-${rate}`;
      await writePlot(dir, name, plot);
      written.push(name);
    }
    const bars: BarRow[] = mine
      .filter((r) => r.metrics.prefixCache !== undefined)
      .map((r) => ({
        label: r.policy,
        value: 100 * r.metrics.prefixCache!.hitRate,
        group: `${r.ratePerS} req/s`,
      }));
    if (bars.length === 0) continue;
    const plot = await plotBars(bars, {
      title: `${trace} (${title}): prefix-cache hit rate`,
      yLabel: 'prompt tokens found cached (%)',
    });
    const name = `prefix-hit-${fileSafe(trace)}`;
    await writePlot(dir, name, plot);
    written.push(name);
  }
  return written;
}
