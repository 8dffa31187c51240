/**
 * `adagen plan --nats URL`: the fleet's observed workload instead of a trace — arrivals from the
 * balancers' decision records (first attempts, shed ones included) and output lengths from the
 * agents' completion records, collected for `observeS` seconds (@adagen/capacity's
 * `ObservedTraffic`, as the recommender keeps it).
 */
import { ObservedTraffic } from '@adagen/capacity';
import { completionRecordSchema, decisionRecordSchema, wildcards } from '@adagen/protocol';
import { connectNats, subscribe } from '@adagen/runtime';
import { createRng } from '@adagen/stats';
import type { Workload } from '@adagen/workloads';

export async function observeWorkload(
  natsUrl: string,
  observeS: number,
  seed: number,
  say: (line: string) => void,
): Promise<Workload> {
  const nc = await connectNats({ servers: natsUrl.split(','), name: 'adagen-plan' });
  const traffic = new ObservedTraffic(Number.MAX_SAFE_INTEGER);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  subscribe(nc, wildcards.decisions, {
    schema: decisionRecordSchema,
    handler: (d) => {
      if (d.attempt === 0) {
        traffic.arrive(d.requestId, d.atMs, d.promptTokens, d.predictedOutputTokens);
        first = Math.min(first, d.atMs);
        last = Math.max(last, d.atMs);
      }
      return Promise.resolve();
    },
  });
  subscribe(nc, wildcards.agentCompletion, {
    schema: completionRecordSchema,
    handler: (r) => {
      traffic.complete(r.requestId, r.outputTokens);
      return Promise.resolve();
    },
  });
  await nc.flush(); // the server has the subscriptions before the window starts
  say(`observing ${natsUrl} for ${observeS} s…`);
  await new Promise((r) => setTimeout(r, observeS * 1000));
  await nc.close();
  if (!Number.isFinite(first))
    throw new Error(`no decision records on ${wildcards.decisions} within ${observeS} s`);
  return traffic.window(last, last - first + 1, createRng(seed));
}
