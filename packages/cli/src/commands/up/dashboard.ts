/** The status lines of `adagen up`, from the agents' completion records over NATS. */
import { performance } from 'node:perf_hooks';
import { LatencyModel } from '@adagen/engine';
import { agentAnnounceSchema, completionRecordSchema, wildcards } from '@adagen/protocol';
import { connectNats, subscribe } from '@adagen/runtime';
import { defaultSloSpec, resolveSlo } from '@adagen/scheduler';
import { resolveProfileFlag } from '../../args/profiles.js';
import { LiveStats } from './live-stats.js';
import type { UpFlags } from './specs.js';

export async function watchCompletions(
  natsUrl: string,
  flags: UpFlags,
  everyS: number,
  print: (line: string) => void,
  nkeySeedFile?: string,
): Promise<{ stop(): Promise<void> }> {
  const profile = await resolveProfileFlag(flags.profile, process.cwd());
  const model = new LatencyModel(profile);
  const chunking = { maxNumBatchedTokens: 512, enableChunkedPrefill: true };
  const stats = new LiveStats((promptTokens) =>
    resolveSlo(defaultSloSpec, { promptTokens }, model, chunking),
  );
  const agents = new Set<string>();
  const nc = await connectNats({
    servers: [natsUrl],
    name: 'adagen-up',
    ...(nkeySeedFile === undefined
      ? {}
      : { credentials: { kind: 'nkey' as const, seedFile: nkeySeedFile } }),
  });
  subscribe(nc, wildcards.agentCompletion, {
    schema: completionRecordSchema,
    handler: (r) => {
      stats.add(r, performance.now());
      return Promise.resolve();
    },
  });
  subscribe(nc, wildcards.agentAnnounce, {
    schema: agentAnnounceSchema,
    handler: (a) => {
      if (a.status === 'down') agents.delete(a.instanceId);
      else agents.add(a.instanceId);
      return Promise.resolve();
    },
  });
  for (let i = 0; i < flags.agents; i++) agents.add(`agent-${i}`);
  const timer = setInterval(() => print(stats.line(performance.now(), agents.size)), everyS * 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      // Bounded: after nats-server has gone, closing must not wait on reconnects.
      if (!nc.isClosed())
        await Promise.race([nc.close(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
