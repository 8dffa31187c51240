/**
 * The dashboard service: reads the fleet's feeds over NATS (agents' state snapshots and
 * announcements, placement notices, completion records, the balancers' decision records),
 * scrapes shed and deadline counters from the given `/metrics` pages, and pushes a frame to
 * every open page each `pushPeriodMs`: each agent's predicted layout (`agents.ts`), the fleet's
 * figures over time (`series.ts`) and the latest decisions with their reasons.
 */
import { performance } from 'node:perf_hooks';
import { FleetView } from '@adagen/fleet';
import type { CompletionRecord, DecisionRecord } from '@adagen/protocol';
import { completionRecordSchema, decisionRecordSchema, wildcards } from '@adagen/protocol';
import { startOpsServer, startRuntime, subscribe } from '@adagen/runtime';
import type { Logger, ServiceRuntime } from '@adagen/runtime';
import { fleetClockOf, sloSpecOf, staleAfterMs, watchFleet } from '@adagen/svc-shared';
import { AgentFrames } from './agents.js';
import type { AgentFrame } from './agents.js';
import type { DashboardConfig } from './config.js';
import { DecisionLog } from './decisions.js';
import { EventClients, assets, jsonRoute, staticRoute } from './http.js';
import type { Scraped } from './scrape.js';
import { scrapeAll } from './scrape.js';
import { FleetSeries } from './series.js';
import type { SeriesPoint, Totals } from './series.js';

export const DASHBOARD_VERSION = '0.1.0';

/** What each push sends. */
export interface Frame {
  t: number;
  point: SeriesPoint;
  totals: Totals;
  agents: AgentFrame[];
  decisions: DecisionRecord[];
  decisionsSeen: number;
  recommended: number | null;
  /** Where shed and deadline counts come from. */
  sources: { shed: 'balancer metrics' | 'decision records'; abandoned: 'gateway metrics' | null };
}

export interface DashboardRuntime extends ServiceRuntime {
  readonly url: string;
  readonly view: FleetView;
  /** The latest frame (also at `/api/frame`). */
  latest(): Frame | undefined;
}

export async function startDashboard(
  config: DashboardConfig,
  options: { logger?: Logger } = {},
): Promise<DashboardRuntime> {
  const clock = fleetClockOf(config);
  const view = new FleetView({ staleAfterMs: staleAfterMs(config, clock) });
  const agents = new AgentFrames(sloSpecOf(config), config.forecastIterations);
  const series = new FleetSeries(config.windowMs, config.historyPoints);
  const decisions = new DecisionLog(config.recentDecisions);
  const clients = new EventClients();
  const files = assets();
  const wallNow = () => performance.timeOrigin + performance.now();
  const rt = await startRuntime({
    service: { name: 'dashboard', version: DASHBOARD_VERSION, description: 'live fleet view' },
    config,
    http: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  let latest: Frame | undefined;
  const hello = () => ({
    pushPeriodMs: config.pushPeriodMs,
    windowMs: config.windowMs,
    history: series.points(),
    decisions: decisions.latest(),
    frame: latest ?? null,
  });
  const http = await startOpsServer({
    registry: rt.registry,
    isReady: () => rt.lifecycle.accepting,
    port: config.httpPort,
    host: config.httpHost,
    logger: rt.logger,
    routes: [
      staticRoute(files),
      clients.route(hello),
      jsonRoute('/api/frame', () => latest ?? null),
    ],
  });
  rt.lifecycle.onStop('dashboard http', async () => {
    clients.close();
    await http.close();
  });

  watchFleet({ rt, view, clock, sweepEveryMs: config.statePeriodMs });
  const common = { logger: rt.logger, registry: rt.registry, lifecycle: rt.lifecycle };
  const profileOf = (r: CompletionRecord): string | undefined =>
    view.members().find((m) => m.id === r.instanceIds[0])?.profile ?? view.members()[0]?.profile;
  subscribe(rt.nc, wildcards.agentCompletion, {
    ...common,
    schema: completionRecordSchema,
    handler: (r) => {
      const profile = profileOf(r);
      const slo =
        decisions.takeSlo(r.requestId) ??
        (profile === undefined ? undefined : agents.sloFor(r.promptTokens, profile));
      const met =
        slo !== undefined &&
        r.ttftMs <= slo.ttftMs &&
        (r.outputTokens <= 1 || r.tpotMs <= slo.tpotMs);
      series.complete(wallNow(), r.outputTokens, met, r.ttftMs);
      return Promise.resolve();
    },
  });
  subscribe(rt.nc, wildcards.decisions, {
    ...common,
    schema: decisionRecordSchema,
    handler: (d) => {
      decisions.add(d);
      return Promise.resolve();
    },
  });

  let scraped: Scraped = {};
  let scraping = false;
  const tick = () => {
    if (!scraping && (config.metricsUrls.length > 0 || config.recommenderUrl !== undefined)) {
      scraping = true;
      void scrapeAll(config.metricsUrls, config.recommenderUrl)
        .then((s) => (scraped = s))
        .finally(() => (scraping = false));
    }
    series.count(scraped.shed ?? decisions.shed, scraped.abandoned ?? 0);
    const nowMs = wallNow();
    const point = series.point(nowMs, view.size);
    let frames: AgentFrame[] = latest?.agents ?? [];
    try {
      // Forecasts only while someone looks (or for the first frame).
      if (clients.size > 0 || latest === undefined) frames = agents.frames(view, clock.nowMs());
    } catch (error) {
      rt.logger.warn({ err: error }, 'layout forecast failed');
    }
    latest = {
      t: nowMs,
      point,
      totals: { ...series.totals },
      agents: frames,
      decisions: decisions.drain(),
      decisionsSeen: decisions.seen,
      recommended: scraped.recommended ?? null,
      sources: {
        shed: scraped.shed === undefined ? 'decision records' : 'balancer metrics',
        abandoned: scraped.abandoned === undefined ? null : 'gateway metrics',
      },
    };
    clients.send('frame', latest);
  };
  const timer = setInterval(tick, config.pushPeriodMs);
  rt.lifecycle.onStop('dashboard frames', () => clearInterval(timer));
  await rt.ready();
  rt.logger.info({ url: http.url }, 'dashboard ready');
  return {
    ...rt,
    http,
    url: http.url,
    view,
    latest: () => latest,
    stop: (reason?: string) => rt.stop(reason),
  };
}
