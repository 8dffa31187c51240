import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plot } from './render.js';

/** Writes `<dir>/<baseName>.svg` and `.png` (creating `dir`); returns both paths. */
export async function writePlot(
  dir: string,
  baseName: string,
  plot: Plot,
): Promise<{ svgPath: string; pngPath: string }> {
  if (baseName === '' || /[\\/]/.test(baseName)) {
    throw new RangeError(`writePlot baseName must be a plain file name, got "${baseName}"`);
  }
  await mkdir(dir, { recursive: true });
  const svgPath = join(dir, `${baseName}.svg`);
  const pngPath = join(dir, `${baseName}.png`);
  await Promise.all([writeFile(svgPath, plot.svg, 'utf8'), writeFile(pngPath, plot.png)]);
  return { svgPath, pngPath };
}
