/**
 * Dashboard options (flags / `ADAGEN_*` variables), on top of the runtime's (NATS, logs, HTTP:
 * the page, `/events` and `/metrics` share `--http-port`) and the fleet clock:
 *
 * | Option | Default | What |
 * |---|---|---|
 * | sloTtft, sloTpot | `5x:250`, `5x:50` | SLO of requests whose decision record was not seen |
 * | pushPeriodMs | 1000 | wall ms between frames sent to the browsers |
 * | windowMs | 10000 | wall ms of completions each fleet figure is computed over |
 * | historyPoints | 600 | frames of fleet figures kept for a newly opened page |
 * | forecastIterations | 24 | predicted iterations shown per instance |
 * | recentDecisions | 40 | decision records kept for a newly opened page |
 * | metricsUrls | (none) | comma-separated `/metrics` URLs (balancers, gateways) scraped for shed (`adagen_admission_total{outcome="shed"}`) and deadline failures (`adagen_requests_total{outcome="deadline_exceeded"}`); without a balancer's, shed counts come from the decision records |
 * | recommenderUrl | (none) | a `/metrics` URL with `adagen_recommended_instances`, shown beside the agents |
 * | statePeriodMs, staleAfterPeriods | 100, 5 | agents silent for 5 periods leave the page |
 */
import { configField, runtimeConfigShape } from '@adagen/runtime';
import { clockConfigShape, policyConfigShape, viewConfigShape } from '@adagen/svc-shared';
import { z } from 'zod';

const urlList = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .refine((urls) => urls.every((u) => URL.canParse(u) && /^https?:/.test(u)), {
    error: 'expected comma-separated http(s) URLs',
  });

export const dashboardConfigSchema = z.object({
  ...runtimeConfigShape,
  ...clockConfigShape,
  sloTtft: policyConfigShape.sloTtft,
  sloTpot: policyConfigShape.sloTpot,
  ...viewConfigShape,
  pushPeriodMs: configField
    .int(50, 60_000)
    .default(1000)
    .describe('wall ms between frames sent to the browsers'),
  windowMs: configField
    .int(1000, 600_000)
    .default(10_000)
    .describe('wall ms of completions each fleet figure covers'),
  historyPoints: configField
    .int(10, 100_000)
    .default(600)
    .describe('frames of fleet figures kept for a new page'),
  forecastIterations: configField
    .int(1, 512)
    .default(24)
    .describe('predicted iterations shown per instance'),
  recentDecisions: configField
    .int(1, 10_000)
    .default(40)
    .describe('decision records kept for a new page'),
  metricsUrls: urlList.describe('balancers’ and gateways’ /metrics URLs to scrape'),
  recommenderUrl: configField
    .string()
    .optional()
    .refine((u) => u === undefined || (URL.canParse(u) && /^https?:/.test(u)), {
      error: 'expected an http(s) URL',
    })
    .describe('the recommender’s /metrics URL'),
});
export type DashboardConfig = z.output<typeof dashboardConfigSchema>;
