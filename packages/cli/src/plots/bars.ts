import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLite } from './render.js';
import type { Plot, RenderOptions } from './render.js';

/** One bar: a category on the x axis, optionally split by group (side-by-side bars). */
export interface BarRow {
  label: string;
  value: number;
  group?: string;
}

export interface BarPlotOptions {
  title: string;
  /** Value axis title with its unit, e.g. 'Goodput (req/s)'. */
  yLabel: string;
  /** @default '' (no title) */
  xLabel?: string;
  render?: RenderOptions;
}

/** Bars for ablations or per-policy figures; grouped side by side when rows carry a group. */
export async function plotBars(rows: readonly BarRow[], options: BarPlotOptions): Promise<Plot> {
  const grouped = rows.some((r) => r.group !== undefined);
  const values = rows.map((r) => ({ label: r.label, value: r.value, group: r.group ?? '' }));
  const labels = [...new Set(rows.map((r) => r.label))];
  const groups = [...new Set(values.map((r) => r.group))];
  const spec: TopLevelSpec = {
    title: options.title,
    width: { step: grouped ? 18 * groups.length + 12 : 40 },
    height: 300,
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'label',
        type: 'nominal',
        title: options.xLabel ?? null,
        sort: labels,
        axis: { labelAngle: labels.some((l) => l.length > 8) ? -30 : 0, grid: false },
      },
      y: { field: 'value', type: 'quantitative', title: options.yLabel },
      ...(grouped
        ? {
            xOffset: { field: 'group', type: 'nominal', sort: groups },
            color: { field: 'group', type: 'nominal', title: null, scale: { domain: groups } },
          }
        : {}),
    },
  };
  return renderVegaLite(spec, options.render);
}
