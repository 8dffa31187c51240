import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A rendered chart: SVG text and the same chart as PNG bytes. */
export interface Plot {
  svg: string;
  png: Buffer;
}

/** How a chart becomes pixels. */
export interface RenderOptions {
  /** PNG pixels per SVG unit. @default 2 */
  pngScale?: number;
  /** Let resvg use the machine's fonts. With none, text is left out of the PNG. @default true */
  loadSystemFonts?: boolean;
  /** Extra font files (TTF/OTF) for the PNG, e.g. to pin the exact font. @default [] */
  fontFiles?: string[];
}

/** Font family written into every chart; resvg maps it (and `sans-serif`) to DejaVu Sans. */
export const PLOT_FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** Shared look: white background, fixed font, readable sizes. */
export const PLOT_CONFIG = {
  background: 'white',
  font: PLOT_FONT,
  title: { fontSize: 15, anchor: 'start' },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;

/**
 * Compiles a vega-lite spec to vega, renders it headless to SVG with vega's View (no canvas, so
 * text widths are vega's estimates and the SVG is the same on every machine), then rasterises the
 * SVG to PNG with resvg.
 */
export async function renderVegaLite(
  spec: TopLevelSpec,
  options: RenderOptions = {},
): Promise<Plot> {
  const vegaSpec = compile({ ...spec, config: { ...PLOT_CONFIG, ...spec.config } }).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return { svg, png: svgToPng(svg, options) };
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG bytes. */
export function svgToPng(svg: string, options: RenderOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.pngScale ?? 2 },
    background: 'white',
    font: {
      loadSystemFonts: options.loadSystemFonts ?? true,
      fontFiles: options.fontFiles ?? [],
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}
