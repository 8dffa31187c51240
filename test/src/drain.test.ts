import { estimateRequestSchema, estimateResponseSchema, subjects } from '@adagen/protocol';
import {
  connectNats,
  parseConfig,
  request,
  runtimeConfigSchema,
  silentLogger,
  startRuntime,
} from '@adagen/runtime';
import type { RequestContext, ServiceRuntime } from '@adagen/runtime';
import { describe, expect, it } from 'vitest';
import { counter, estimateRequest, fakeEstimate, gate, handlersStarted } from './helpers.js';
import { startNatsServer } from './natsServer.js';

async function startEstimatorRuntime(
  url: string,
  drainGraceMs: number,
  handlerGate: Promise<void>,
  started: () => void,
  onContext: (ctx: RequestContext) => void = () => undefined,
) {
  const config = parseConfig(runtimeConfigSchema, {
    env: { ADAGEN_NATS_SERVERS: url, ADAGEN_HTTP_HOST: '127.0.0.1', ADAGEN_LOG_LEVEL: 'silent' },
    argv: ['--drain-grace-ms', String(drainGraceMs)],
  });
  const runtime = await startRuntime({
    service: { name: 'estimator', version: '0.1.0' },
    config,
    logger: silentLogger(),
  });
  runtime.service.addEndpoint('estimate', subjects.estimate, {
    requestSchema: estimateRequestSchema,
    responseSchema: estimateResponseSchema,
    handler: async (req, ctx) => {
      onContext(ctx);
      started();
      await handlerGate;
      return fakeEstimate(req);
    },
  });
  return runtime;
}

const readyz = async (runtime: ServiceRuntime) =>
  (await fetch(`${runtime.http?.url ?? ''}/readyz`)).status;

describe('drain', () => {
  it('lets in-flight requests finish, refuses new ones, then closes the connection', async () => {
    await using server = await startNatsServer();
    await using nc = await connectNats({ servers: [server.url], name: 'drain-client' });
    const release = gate();
    const inHandler = counter(2);
    const runtime = await startEstimatorRuntime(
      server.url,
      60_000,
      release.opened,
      inHandler.count,
    );
    expect(await readyz(runtime)).toBe(503);
    await runtime.ready();
    expect(await readyz(runtime)).toBe(200);

    const call = (tokens: number) =>
      request(
        nc,
        subjects.estimate,
        estimateRequestSchema,
        estimateResponseSchema,
        estimateRequest(tokens),
        {
          timeoutMs: 10_000,
        },
      );
    const inFlight = [call(100), call(200)];
    await handlersStarted(inHandler.reached, inFlight);

    const stopped = runtime.stop('test');
    expect(runtime.lifecycle.state).toBe('draining');
    expect(await readyz(runtime)).toBe(503);
    const refused = await call(300);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('unavailable');
      expect(refused.error.message).toContain('draining');
    }

    release.open();
    const finished = await Promise.all(inFlight);
    expect(finished.map((r) => r.ok && r.value.perInstance[0]?.newRequest.ttftMs)).toEqual([
      10, 20,
    ]);
    await stopped;
    expect(runtime.lifecycle.state).toBe('stopped');
    expect(runtime.nc.isClosed()).toBe(true);
    const gone = await call(400);
    expect(gone.ok).toBe(false);
    if (!gone.ok) expect(gone.error.message).toContain('no service is listening');
  });

  it('aborts requests still running when the grace period ends, answering unavailable', async () => {
    await using server = await startNatsServer();
    await using nc = await connectNats({ servers: [server.url], name: 'drain-client' });
    const never = gate();
    const inHandler = counter(1);
    let context: RequestContext | undefined;
    const runtime = await startEstimatorRuntime(
      server.url,
      50,
      never.opened,
      inHandler.count,
      (ctx) => (context = ctx),
    );
    await runtime.ready();
    const stuck = request(
      nc,
      subjects.estimate,
      estimateRequestSchema,
      estimateResponseSchema,
      estimateRequest(),
      {
        timeoutMs: 10_000,
      },
    );
    await handlersStarted(inHandler.reached, [stuck]);
    await runtime.stop();
    const result = await stuck;
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unavailable');
      expect(result.error.message).toContain('service stopped before the request finished');
    }
    expect(runtime.lifecycle.state).toBe('stopped');
    // The handler's context: its subject, and a signal aborted when the grace ran out.
    expect(context?.subject).toBe(subjects.estimate);
    expect(context?.signal.aborted).toBe(true);
    expect(String(context?.signal.reason)).toContain('service stopped before the request finished');
    never.open();
  });
});
