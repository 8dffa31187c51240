import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plotAttainmentVsRate, plotBars, plotCdf, writePlot } from '../index.js';
import type { Plot } from '../index.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const count = (svg: string, role: string) => svg.split(`aria-roledescription="${role}"`).length - 1;

function expectPng(plot: Plot): void {
  expect(plot.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // IHDR width: twice the SVG width at the default scale.
  const svgWidth = Number(/<svg[^>]* width="(\d+)"/.exec(plot.svg)?.[1]);
  expect(plot.png.readUInt32BE(16)).toBe(svgWidth * 2);
}

const attainment = [
  { policy: 'round-robin', points: [1, 2, 4, 8].map((r) => ({ ratePerS: r, attainment: 1 / r })) },
  {
    policy: 'least-kv',
    points: [8, 4, 2, 1].map((r) => ({ ratePerS: r, attainment: 1.6 / (r + 0.6) })),
  },
  { policy: 'adagen', points: [1, 2, 4, 8].map((r) => ({ ratePerS: r, attainment: 1 - r / 40 })) },
];

describe('plots', () => {
  it('attainment vs rate: axis titles, one line per policy, dashed target, PNG', async () => {
    const plot = await plotAttainmentVsRate(attainment, { title: 'Azure conv, 8 × A100' });
    for (const text of ['Request rate (req/s)', 'SLO attainment', 'Azure conv, 8 × A100']) {
      expect(plot.svg).toContain(text);
    }
    expect(count(plot.svg, 'line mark')).toBe(3);
    expect(count(plot.svg, 'point')).toBe(12);
    expect(count(plot.svg, 'rule mark')).toBe(1);
    expect(plot.svg).toMatch(/<line[^>]*stroke-dasharray="6,4"/);
    for (const policy of ['round-robin', 'least-kv', 'adagen']) expect(plot.svg).toContain(policy);
    expectPng(plot);
  });

  it('is deterministic: the same data gives the same SVG', async () => {
    const a = await plotAttainmentVsRate(attainment, { title: 't', target: 0.95 });
    const b = await plotAttainmentVsRate(attainment, { title: 't', target: 0.95 });
    expect(a.svg).toBe(b.svg);
  });

  it('CDF: one step line per series from samples or points, log axis drops values ≤ 0', async () => {
    const plot = await plotCdf(
      [
        { label: 'TTFT adagen', values: [0, 12, 30, 45, 80, 200, 950] },
        { label: 'TTFT round-robin', values: Array.from({ length: 1000 }, (_, i) => 10 + i * 3) },
        {
          label: 'TTFT given',
          points: [
            [5, 0.1],
            [50, 0.6],
            [500, 1],
          ],
        },
      ],
      { title: 'TTFT', xLabel: 'TTFT (ms)', logX: true },
    );
    expect(plot.svg).toContain('TTFT (ms)');
    expect(plot.svg).toContain('Cumulative share of requests');
    expect(count(plot.svg, 'line mark')).toBe(3);
    expectPng(plot);
  });

  it('bars: grouped bars with a legend, and plain bars', async () => {
    const grouped = await plotBars(
      [
        { label: 'no classify', value: 3.1, group: 'azure-conv' },
        { label: 'no classify', value: 1.2, group: 'mooncake' },
        { label: 'full', value: 4.2, group: 'azure-conv' },
        { label: 'full', value: 1.9, group: 'mooncake' },
      ],
      { title: 'Ablation', yLabel: 'Goodput (req/s)' },
    );
    expect(grouped.svg).toContain('Goodput (req/s)');
    expect(count(grouped.svg, 'bar')).toBe(4);
    expect(count(grouped.svg, 'legend')).toBe(1);
    const plain = await plotBars([{ label: 'a', value: 1 }], { title: 'x', yLabel: 'y (ms)' });
    expect(count(plain.svg, 'bar')).toBe(1);
    expect(count(plain.svg, 'legend')).toBe(0);
    expectPng(plain);
  });

  it('renders a PNG without any fonts (text is left out, nothing throws)', async () => {
    const plot = await plotCdf([{ label: 'a', values: [1, 2, 3] }], {
      title: 't',
      xLabel: 'x (ms)',
      render: { loadSystemFonts: false },
    });
    expectPng(plot);
  });

  it('writePlot writes .svg and .png', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'adagen-plots-')), 'nested');
    const plot = await plotBars([{ label: 'a', value: 1 }], { title: 'x', yLabel: 'y' });
    const { svgPath, pngPath } = await writePlot(dir, 'bars', plot);
    expect(svgPath).toBe(join(dir, 'bars.svg'));
    expect(await readFile(svgPath, 'utf8')).toBe(plot.svg);
    expect((await readFile(pngPath)).equals(plot.png)).toBe(true);
    await expect(writePlot(dir, '../x', plot)).rejects.toThrow(/plain file name/);
  });
});
