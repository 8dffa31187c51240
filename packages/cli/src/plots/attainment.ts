import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from './render.js';
import type { Plot, RenderOptions } from './render.js';

/** One policy's SLO attainment (0..1) at each offered rate. */
export interface AttainmentSeries {
  policy: string;
  points: ReadonlyArray<{ ratePerS: number; attainment: number }>;
}

export interface AttainmentPlotOptions {
  title: string;
  /** Attainment goal drawn as a dashed rule (goodput is the highest rate above it). @default 0.9 */
  target?: number;
  /** @default 'Request rate (req/s)' */
  xLabel?: string;
  /** @default 'SLO attainment' */
  yLabel?: string;
  render?: RenderOptions;
}

/** SLO attainment against request rate: one line with points per policy, a dashed target rule. */
export async function plotAttainmentVsRate(
  series: readonly AttainmentSeries[],
  options: AttainmentPlotOptions,
): Promise<Plot> {
  const target = options.target ?? 0.9;
  const values = series.flatMap((s) =>
    [...s.points]
      .sort((a, b) => a.ratePerS - b.ratePerS)
      .map((p) => ({ policy: s.policy, ratePerS: p.ratePerS, attainment: p.attainment })),
  );
  const spec: TopLevelSpec = {
    title: options.title,
    width: 520,
    height: 320,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: {
            field: 'ratePerS',
            type: 'quantitative',
            title: options.xLabel ?? 'Request rate (req/s)',
            scale: { zero: false },
          },
          y: {
            field: 'attainment',
            type: 'quantitative',
            title: options.yLabel ?? 'SLO attainment',
            scale: { domain: [0, 1] },
            axis: { format: '.0%' },
          },
          color: {
            field: 'policy',
            type: 'nominal',
            title: 'Policy',
            scale: { domain: series.map((s) => s.policy), scheme: 'category20' },
          },
        },
      },
      {
        data: { values: [{ target }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#555' },
        encoding: { y: { field: 'target', type: 'quantitative' } },
      },
    ],
  };
  return renderVegaLite(spec, options.render);
}
