#!/usr/bin/env node
// Writes a ramp workload as an Azure-2023-format CSV (replayable with `adagen replay --trace
// <file>`): Poisson arrivals whose rate steps through phases (default 2 → 8 → 2 req/s, 120 s
// each), request lengths taken in order from the given Azure traces (interleaved).
//   node test/bench/ramp-trace.js OUT.csv [--phases 2:120,8:120,2:120] [--seed 1] TRACE.csv...
/* global process, console */
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const out = args.shift();
let phases = '2:120,8:120,2:120';
let seed = 1;
const traces = [];
while (args.length > 0) {
  const a = args.shift();
  if (a === '--phases') phases = args.shift();
  else if (a === '--seed') seed = Number(args.shift());
  else traces.push(a);
}
if (!out || traces.length === 0) {
  console.error('usage: ramp-trace.js OUT.csv [--phases R:S,...] [--seed N] TRACE.csv...');
  process.exit(2);
}
const lengths = traces.map((file) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').slice(1).map(Number)),
);
// mulberry32: a small seeded generator, so the same seed gives the same file.
let s = seed >>> 0;
const rand = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const start = Date.UTC(2023, 10, 16, 0, 0, 0);
const rows = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
let t = 0;
let phaseStart = 0;
let k = 0;
for (const phase of phases.split(',')) {
  const [rate, seconds] = phase.split(':').map(Number);
  const end = phaseStart + seconds;
  for (;;) {
    t += -Math.log(1 - rand()) / rate;
    if (t >= end) break;
    const src = lengths[k % lengths.length];
    const [prompt, output] = src[Math.floor(k / lengths.length) % src.length];
    const iso = new Date(start + t * 1000).toISOString().replace('T', ' ').replace('Z', '');
    rows.push(`${iso}0000,${prompt},${output}`);
    k++;
  }
  t = end;
  phaseStart = end;
}
writeFileSync(out, `${rows.join('\n')}\n`);
console.log(`${out}: ${k} requests over ${phaseStart} s (${phases})`);
