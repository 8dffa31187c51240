import type { TraceRequest, Workload } from './types.js';

export interface MixOptions {
  name: string;
}

/**
 * Interleaves workloads by arrival time (ties: earlier input first, then input order). Ids get
 * the input's name as a prefix (`azure-code-17`), made unique with `_2`, `_3` when two inputs
 * share a name, so ids stay unique. Each input's notes are kept, prefixed by its name.
 */
export function mix(workloads: readonly Workload[], options: MixOptions): Workload {
  const tags = uniqueTags(workloads.map((w) => w.name));
  const tagged = workloads.flatMap((w, k) =>
    w.requests.map((r): TraceRequest => ({ ...r, id: `${tags[k]!}-${r.id}` })),
  );
  const requests = tagged.sort((a, b) => a.arrivalMs - b.arrivalMs);
  const parts = workloads.map((w, k) => `${tags[k]!} (${w.requests.length})`).join(', ');
  return {
    name: options.name,
    requests,
    notes: [
      ...workloads.flatMap((w, k) => w.notes.map((n) => `[${tags[k]!}] ${n}`)),
      `mixed ${parts} by arrival time; ids prefixed by input name`,
    ],
  };
}

function uniqueTags(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9_-]+/g, '-') || 'w';
    let tag = base;
    for (let n = 2; used.has(tag); n++) tag = `${base}_${n}`;
    used.add(tag);
    return tag;
  });
}
