/** `adagen report <result.json>…`: the evaluation tables (docs/EVALUATION.md) from sweep results. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { share } from '../args/parse.js';
import { UsageError } from '../args/usage-error.js';
import type { CliIo } from '../io.js';
import type { ReportRun } from '../report/eval-tables.js';
import { evaluationTables } from '../report/eval-tables.js';
import { RESULT_SCHEMA } from '../report/result-json.js';

const nullableNumber = z.number().nullable();
const runSchema = z.object({
  trace: z.string(),
  policy: z.string(),
  ratePerS: nullableNumber,
  instances: z.number().int().positive(),
  profile: z.string(),
  seed: z.number(),
  sloScale: z.number().positive().optional(),
  workload: z.object({ requests: z.number() }),
  settings: z.object({
    admission: z.object({ mode: z.string() }).optional(),
    estimatorProfile: z.string().nullable().optional(),
    calibrate: z.boolean().optional(),
  }),
  metrics: z.object({
    requests: z.object({ shed: z.number().optional(), abandoned: z.number().optional() }),
    ttftMs: z.object({ mean: nullableNumber, p99: nullableNumber, max: nullableNumber }),
    slo: z.object({
      attainment: z.number(),
      ttftAttainment: z.number(),
      tpotAttainment: z.number(),
      tbtAttainment: z.number().optional(),
    }),
    throughput: z.object({ requestsPerS: z.number() }),
    plans: z.record(z.string(), z.number()),
    simulatedSpanMs: z.number(),
  }),
});
const fileSchema = z.object({ schema: z.literal(RESULT_SCHEMA), runs: z.array(runSchema) });

export function reportCommand(io: CliIo): Command {
  return new Command('report')
    .description(
      'print the evaluation tables (goodput on the grid, AdaGen’s multiples, every cell with its tails) of sweep result files',
    )
    .argument('<result.json...>', 'result files written by `adagen sweep --out`')
    .option('--target <share>', 'attainment target for goodput', '0.9')
    .action(async (files: string[], raw: { target: string }) => {
      const target = share('--target', raw.target);
      const runs: ReportRun[] = [];
      for (const f of files) {
        const path = resolve(io.cwd, f);
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch {
          throw new UsageError('<result.json>', `cannot read ${path}`);
        }
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new UsageError('<result.json>', `${path} is not JSON`);
        }
        const parsed = fileSchema.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new UsageError(
            '<result.json>',
            `${path} is not an ${RESULT_SCHEMA} sweep result: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
          );
        }
        runs.push(...(parsed.data.runs as ReportRun[]));
      }
      io.stdout(`${evaluationTables(runs, target).trimEnd()}\n`);
    });
}
