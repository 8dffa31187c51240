#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import { main } from '../main.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
  env: process.env,
  now: () => performance.now(),
});
