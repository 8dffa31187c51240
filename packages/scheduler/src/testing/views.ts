/** Hand-made cluster views for tests (not exported from the package). */
import type { InstanceSnapshot, RequestProgress } from '@adagen/engine';
import type { ClusterView, InstanceView, PendingPlacement, RequestInfo } from '../types.js';
import { DefaultClassifier } from '../classifier.js';
import type { Classification } from '../types.js';

export interface FakeInstance {
  running?: Array<Partial<RequestProgress>>;
  waiting?: Array<Partial<RequestProgress>>;
  pending?: Array<Partial<PendingPlacement>>;
  usedBlocks?: number;
  totalBlocks?: number;
  status?: 'ready' | 'draining';
}

function progress(
  p: Partial<RequestProgress>,
  i: number,
  phase: RequestProgress['phase'],
): RequestProgress {
  return {
    phase,
    id: `r${i}`,
    kind: 'full',
    promptTokens: 100,
    prefilledTokens: 100,
    generatedTokens: 1,
    arrivalMs: 0,
    ...p,
  };
}

function pendingOf(p: Partial<PendingPlacement>, i: number): PendingPlacement {
  return {
    requestId: `p${i}`,
    atMs: 0,
    role: 'full',
    promptTokens: 100,
    predictedOutputTokens: 256,
    ...p,
  };
}

export function instanceView(id: string, f: FakeInstance = {}): InstanceView {
  const snapshot: InstanceSnapshot = {
    instanceId: id,
    atMs: 0,
    profile: 'test',
    config: {
      maxNumBatchedTokens: 2048,
      maxNumSeqs: 256,
      enableChunkedPrefill: true,
      blockSize: 16,
    },
    kv: { totalBlocks: f.totalBlocks ?? 1000, usedBlocks: f.usedBlocks ?? 0 },
    running: (f.running ?? []).map((p, i) => progress(p, i, 'decoding')),
    waiting: (f.waiting ?? []).map((p, i) => progress(p, i, 'waiting')),
    recentIterations: [],
  };
  return {
    id,
    profile: 'test',
    status: f.status ?? 'ready',
    snapshot,
    pending: (f.pending ?? []).map(pendingOf),
  };
}

export function clusterView(instances: FakeInstance[], nowMs = 0): ClusterView {
  return { nowMs, instances: instances.map((f, i) => instanceView(`i${i}`, f)) };
}

export function classified(promptTokens = 100, id = 'new'): Classification {
  const request: RequestInfo = { id, arrivalMs: 0, promptTokens };
  return new DefaultClassifier().classify(request, 0);
}
