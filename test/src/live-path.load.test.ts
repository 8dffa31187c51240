/**
 * The live path under load, over real processes: 200 concurrent chat streams against a 4-agent
 * fleet while two CPU-burning processes compete for this machine's cores, repeated (5 runs; set
 * ADAGEN_LOAD_RUNS to change). Every stream's text is checked against what its agent generated:
 * none may be duplicated (a restart mid-answer), out of order, truncated under a 200, lost or
 * hung. A request may fail only with a clear error (an HTTP error status, or one SSE error event
 * then [DONE]) — on a box starved enough the decision chain can miss its attempt timeouts; the
 * table counts them. Admission is off so every request is placed. Then an agent SIGSTOPped for
 * 2 s mid-stream and resumed: every stream completes. No latency is asserted (benchmarks do).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startProcessFleet } from './fleet/process-fleet.js';
import { serviceBuilt } from './fleet/processes.js';
import { streamChat, tally } from './fleet/stream-check.js';
import type { StreamCheck } from './fleet/stream-check.js';
import { startNatsServer } from './natsServer.js';

const RUNS = Number(process.env.ADAGEN_LOAD_RUNS ?? 5);
const STREAMS = 200;
const TOKENS = 64;

/** Rows as a plain-text table (columns aligned). */
function table(rows: readonly Record<string, number | string>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(width[i]!)).join('  ');
  return [line(cols), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/** Streams by verdict and error (ids and numbers blanked), so a failure reads as a table. */
function grouped(results: readonly StreamCheck[]): Record<string, number> {
  const kinds = new Map<string, number>();
  for (const r of results) {
    const what = `${r.verdict} (${r.status}, ${r.chunks} chunks): ${(r.error ?? '').replace(/[0-9a-f]{32}|\d+/g, 'N')}`;
    kinds.set(what, (kinds.get(what) ?? 0) + 1);
  }
  return Object.fromEntries(kinds);
}

function burners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
  );
}

describe.skipIf(!serviceBuilt('gateway'))('the live path under load', () => {
  it(
    `${STREAMS} concurrent streams × ${RUNS} runs with 2 CPU burners: every stream exact`,
    async () => {
      await using nats = await startNatsServer();
      await using fleet = await startProcessFleet({
        natsUrl: nats.url,
        agents: 4,
        policy: 'adagen',
        env: { ADAGEN_ADMISSION: 'off', ADAGEN_REQUEST_TIMEOUT_MS: '120000' },
      });
      await fleet.waitForAgents(4);
      const burn = burners(2);
      const rows: Record<string, number | string>[] = [];
      const bad: StreamCheck[] = [];
      const failed: StreamCheck[] = [];
      try {
        for (let run = 0; run < RUNS; run++) {
          const results = await Promise.all(
            Array.from({ length: STREAMS }, (_, i) =>
              streamChat(fleet.url, `run ${run} stream ${i}: tell me a story`, TOKENS, 150_000),
            ),
          );
          const t = tally(results);
          rows.push({ run: run + 1, streams: STREAMS, ...t });
          bad.push(...results.filter((r) => r.verdict !== 'ok' && r.verdict !== 'failed'));
          failed.push(...results.filter((r) => r.verdict === 'failed'));
        }
      } finally {
        for (const b of burn) b.kill('SIGKILL');
      }
      process.stderr.write(
        `[load] ${STREAMS} streams × ${TOKENS} tokens, 4 agents, 2 CPU burners\n${table(rows)}\n`,
      );
      if (failed.length > 0)
        process.stderr.write(
          `[load] failed, by error:\n${JSON.stringify(grouped(failed), null, 1)}\n`,
        );
      for (const f of failed)
        expect(f.error, 'a failure names its error').toMatch(/^[a-z_]+: |"code":"[a-z_]+"/);
      expect(grouped(bad)).toEqual({});
    },
    RUNS * 120_000 + 60_000,
  );

  it('an agent SIGSTOPped for 2 s mid-stream and resumed: every stream completes', async () => {
    await using nats = await startNatsServer();
    await using fleet = await startProcessFleet({
      natsUrl: nats.url,
      agents: 4,
      policy: 'round-robin',
      env: { ADAGEN_ADMISSION: 'off' },
    });
    await fleet.waitForAgents(4);
    const victim = fleet.agents[0]!;
    const streams = Array.from({ length: 40 }, (_, i) =>
      streamChat(fleet.url, `pause ${i}: a long answer please`, 200, 60_000),
    );
    await new Promise((r) => setTimeout(r, 800));
    victim.process.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 2000));
    victim.process.kill('SIGCONT');
    const results = await Promise.all(streams);
    const t = tally(results);
    process.stderr.write(
      `[load] 40 streams, agent-0 SIGSTOPped 2 s then resumed: ${JSON.stringify(t)}\n`,
    );
    expect(results.filter((r) => r.verdict !== 'ok').map((r) => r.error ?? r.verdict)).toEqual([]);
  }, 90_000);
});
