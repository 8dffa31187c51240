import { ecdf } from '@adagen/stats';
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from './render.js';
import type { Plot, RenderOptions } from './render.js';

/** A distribution to draw: raw samples, or ready CDF points `[value, cumulative share]`. */
export type CdfSeries =
  | { label: string; values: readonly number[] }
  | { label: string; points: ReadonlyArray<readonly [number, number]> };

export interface CdfPlotOptions {
  title: string;
  /** Axis title of the values, with the unit, e.g. 'TTFT (ms)'. */
  xLabel: string;
  /** Logarithmic value axis; values ≤ 0 cannot be drawn on it and are left out. @default false */
  logX?: boolean;
  /** Most points drawn per series (samples are thinned evenly by rank). @default 400 */
  maxPoints?: number;
  render?: RenderOptions;
}

/** Empirical CDFs (e.g. TTFT or TBT per policy), one step line per series. */
export async function plotCdf(
  series: readonly CdfSeries[],
  options: CdfPlotOptions,
): Promise<Plot> {
  const logX = options.logX ?? false;
  const values = series.flatMap((s) =>
    cdfPoints(s, options.maxPoints ?? 400)
      .filter(([x]) => Number.isFinite(x) && (!logX || x > 0))
      .map(([x, share]) => ({ series: s.label, value: x, share })),
  );
  const spec: TopLevelSpec = {
    title: options.title,
    width: 520,
    height: 320,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: {
        field: 'value',
        type: 'quantitative',
        title: options.xLabel,
        scale: logX ? { type: 'log' } : { zero: true },
      },
      y: {
        field: 'share',
        type: 'quantitative',
        title: 'Cumulative share of requests',
        scale: { domain: [0, 1] },
        axis: { format: '.0%' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: series.map((s) => s.label), scheme: 'category20' },
      },
    },
  };
  return renderVegaLite(spec, options.render);
}

function cdfPoints(s: CdfSeries, maxPoints: number): ReadonlyArray<readonly [number, number]> {
  if ('points' in s) return s.points;
  const points = ecdf(s.values, maxPoints);
  // Start the step at zero share so the curve rises from the smallest value.
  const first = points[0];
  return first === undefined ? [] : [[first[0], 0], ...points];
}
