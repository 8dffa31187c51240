// Draws the prefix-caching plots (TTFT CDF per policy and rate, hit rate per policy) from a
// sweep's result.json: tsx --conditions=@adagen/source scripts/prefix-plots.ts <dir> "<title>"
// (writes next to result.json; `adagen sweep --prefix-caching` draws them itself).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrefixPlotRun } from '../src/plots/prefix.js';
import { writePrefixPlots } from '../src/plots/prefix.js';

const [dir, title] = process.argv.slice(2);
if (dir === undefined || title === undefined) {
  console.error('usage: prefix-plots.ts <sweep out dir> "<title>"');
  process.exit(2);
}
const file = JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as { runs?: unknown };
if (!Array.isArray(file.runs)) {
  console.error(`${join(dir, 'result.json')}: no "runs" array (not an adagen sweep result)`);
  process.exit(1);
}
const written = await writePrefixPlots(dir, file.runs as PrefixPlotRun[], title);
console.log(`wrote ${written.map((n) => join(dir, `${n}.{svg,png}`)).join(', ')}`);
