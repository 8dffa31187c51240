// The prefix-cache index at 64 instances × 100 k cached blocks each: memory, the cost of applying
// cache events, and the per-decision cost of the KV-aware routing that reads it, beside a
// cache-blind decision (least outstanding requests) in the same run.
//   pnpm --filter @adagen/sim bench:prefix-index      (BENCH_INSTANCES, BENCH_BLOCKS to resize)
import { execSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { BlockHash, InstanceSnapshot } from '@adagen/engine';
import { chainBlockHash, PrefixIndex, ROOT_BLOCK_HASH } from '@adagen/engine';
import type { Classification, ClusterView, InstanceView, RequestInfo } from '@adagen/scheduler';
import {
  DefaultClassifier,
  DynamoKvBalancer,
  LeastRequestsBalancer,
  LlmdPrefixBalancer,
  SglangCacheBalancer,
} from '@adagen/scheduler';
import { createRng } from '@adagen/stats';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 64);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 100_000);
const PROMPT_BLOCKS = 1000; // a 16 k-token prompt at 16 tokens per block
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

/** A chain of `n` blocks (one prompt's hashes) from a seed. */
function chain(seed: number, n: number): BlockHash[] {
  const out: BlockHash[] = [];
  let parent = ROOT_BLOCK_HASH;
  for (let i = 0; i < n; i++) {
    parent = chainBlockHash(parent, [seed, i]);
    out.push(parent);
  }
  return out;
}

// Each instance caches BLOCKS blocks: prompts of PROMPT_BLOCKS blocks; a fifth of them shared
// system prompts common to all instances, the rest its own.
const shared = Array.from({ length: Math.ceil(BLOCKS / PROMPT_BLOCKS / 5) }, (_, i) =>
  chain(1_000_000 + i, PROMPT_BLOCKS),
);
const before = heap();
const t0 = performance.now();
const indexes: PrefixIndex[] = [];
let events = 0;
for (let k = 0; k < INSTANCES; k++) {
  const idx = new PrefixIndex(16);
  for (const s of shared) idx.apply([{ type: 'stored', blockHashes: s }]);
  for (let p = 0; idx.size < BLOCKS; p++) {
    idx.apply([{ type: 'stored', blockHashes: chain(k * 10_000 + p, PROMPT_BLOCKS) }]);
  }
  events += idx.size;
  indexes.push(idx);
}
const buildMs = performance.now() - t0;
const indexBytes = heap() - before;

// Applying events: a prompt's worth stored then removed, on one instance.
const churn = chain(42, PROMPT_BLOCKS);
const ta = performance.now();
const rounds = 200;
for (let r = 0; r < rounds; r++) {
  indexes[0]!.apply([{ type: 'stored', blockHashes: churn }]);
  indexes[0]!.apply([{ type: 'removed', blockHashes: churn }]);
}
const perEventNs = ((performance.now() - ta) * 1e6) / (rounds * 2 * PROMPT_BLOCKS);

// Views: empty snapshots (load signals cost nothing extra) with each instance's index.
function snapshotOf(id: string): InstanceSnapshot {
  return {
    instanceId: id,
    atMs: 0,
    profile: 'bench',
    config: {
      maxNumBatchedTokens: 512,
      maxNumSeqs: 256,
      enableChunkedPrefill: true,
      blockSize: 16,
    },
    kv: { totalBlocks: 2 * BLOCKS, usedBlocks: 0 },
    running: [],
    waiting: [],
    recentIterations: [],
  };
}
const instances: InstanceView[] = indexes.map((idx, k) => ({
  id: `i${k}`,
  profile: 'bench',
  status: 'ready',
  snapshot: snapshotOf(`i${k}`),
  pending: [],
  prefixCache: idx,
}));
const view: ClusterView = { nowMs: 0, instances };

// Requests: a shared system prompt extended by 400 own blocks (hits on every instance) and an
// instance's own prompt extended (a hit on one instance).
const rng = createRng(1);
function request(i: number): Classification {
  const own = rng.next() < 0.5;
  const base = own
    ? chain(rng.int(INSTANCES) * 10_000, PROMPT_BLOCKS)
    : shared[rng.int(shared.length)]!;
  const blockHashes = [...base.slice(0, 600), ...chain(5_000_000 + i, 400).slice(0)];
  const info: RequestInfo = {
    id: `q${i}`,
    arrivalMs: 0,
    promptTokens: 16 * PROMPT_BLOCKS,
    prefix: { blockSize: 16, blockHashes },
  };
  return new DefaultClassifier().classify(info, 0);
}
const requests = Array.from({ length: 400 }, (_, i) => request(i));

/** Fresh prefix objects per run: the per-prompt match memo must not carry over between rows. */
const fresh = () =>
  requests.map((c) => ({
    ...c,
    request: {
      ...c.request,
      prefix: { ...c.request.prefix!, blockHashes: c.request.prefix!.blockHashes },
    },
  }));
function perDecisionUs(place: (c: Classification) => unknown): number {
  for (const c of fresh().slice(0, 50)) place(c); // warm-up
  const list = fresh();
  const t = performance.now();
  for (const c of list) place(c);
  return ((performance.now() - t) * 1000) / list.length;
}
const least = new LeastRequestsBalancer();
const dynamo = new DynamoKvBalancer(createRng(1));
const llmd = new LlmdPrefixBalancer(createRng(1));
const sglang = new SglangCacheBalancer();
const blindUs = perDecisionUs((c) => least.place(c, view));
const dynamoUs = perDecisionUs((c) => dynamo.place(c, view));
const llmdUs = perDecisionUs((c) => llmd.place(c, view));
const sglangUs = perDecisionUs((c) => sglang.place(c, view));

// The alternative layout, for comparison: one cluster-wide map from block hash to a bit mask of
// the instances holding it (Dynamo's indexer keeps one tree with worker sets). One walk over the
// prompt gives every instance's match length: O(prompt blocks) instead of O(instances × match).
const words = Math.ceil(INSTANCES / 32);
const beforeCluster = heap();
const cluster = new Map<BlockHash, Uint32Array>();
for (let k = 0; k < INSTANCES; k++) {
  const add = (h: BlockHash) => {
    let m = cluster.get(h);
    if (m === undefined) {
      m = new Uint32Array(words);
      cluster.set(h, m);
    }
    m[k >>> 5]! |= 1 << (k & 31);
  };
  for (const sh of shared) sh.forEach(add);
  for (let p = 0; p * PROMPT_BLOCKS < BLOCKS - shared.length * PROMPT_BLOCKS; p++) {
    chain(k * 10_000 + p, PROMPT_BLOCKS).forEach(add);
  }
}
const clusterBytes = heap() - beforeCluster;
function clusterMatches(hashes: readonly BlockHash[]): Int32Array {
  const out = new Int32Array(INSTANCES);
  const alive = new Uint32Array(words).fill(0xffffffff);
  let any = true;
  for (let i = 0; i < hashes.length && any; i++) {
    const m = cluster.get(hashes[i]!);
    any = false;
    for (let w = 0; w < words; w++) {
      const now = m === undefined ? 0 : alive[w]! & m[w]!;
      let gone = alive[w]! & ~now;
      while (gone !== 0) {
        const b = 31 - Math.clz32(gone);
        out[w * 32 + b] = i;
        gone &= ~(1 << b);
      }
      alive[w] = now;
      if (now !== 0) any = true;
    }
  }
  return out;
}
const clusterUs = perDecisionUs((c) => clusterMatches(c.request.prefix!.blockHashes));

const total = INSTANCES * BLOCKS;
const load = execSync('uptime').toString().trim();
console.log(`prefix index: ${INSTANCES} instances × ${BLOCKS} cached blocks (${total} entries)`);
console.log(`load: ${load}`);
console.log(
  `memory: ${(indexBytes / 2 ** 20).toFixed(1)} MiB heap, ${(indexBytes / total).toFixed(1)} B per cached block${gc ? '' : ' (run with --expose-gc for exact figures)'}`,
);
console.log(
  `alternative, one cluster-wide map hash → instance mask: ${(clusterBytes / 2 ** 20).toFixed(1)} MiB (${cluster.size} distinct blocks)`,
);
console.log(
  `build: ${events} stored events in ${buildMs.toFixed(0)} ms; churn: ${perEventNs.toFixed(0)} ns per event`,
);
console.log(
  'per decision (1000-block prompt, 64 instances, µs; ratio to cache-blind least-requests):',
);
for (const [name, us] of [
  ['least-requests (cache-blind)', blindUs],
  ['dynamo-kv (prefix index)', dynamoUs],
  ['llmd-prefix (prefix index)', llmdUs],
  ['sglang-cache (own approximate trees)', sglangUs],
  ['match lengths only, cluster-wide map', clusterUs],
] as const) {
  console.log(
    `  ${name.padEnd(38)} ${us.toFixed(1).padStart(8)} µs  ${(us / blindUs).toFixed(1)}×`,
  );
}
