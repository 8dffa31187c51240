import type { BlockHash } from '../kv/prefix-hash.js';
import type { PrefixInfo, RequestMeta, RequestPhase, WorkItem, WorkKind } from '../types.js';

/** Internal phase: the reported phases plus `done` (finished, cancelled or rejected). */
export type ReqPhase = RequestPhase | 'done';

/**
 * One request on an instance: a flat record of numbers (cheap to copy for `clone`). Internal;
 * the outside sees `RequestProgress`.
 */
export interface Req {
  readonly id: string;
  readonly kind: WorkKind;
  readonly promptTokens: number;
  /** Total tokens to emit here counting from index 0 (`prefill` 1; `segment` 1 if last, else 0). */
  readonly outputTokens: number;
  /** First prompt token this item covers (segments; 0 otherwise) — the KV offset of its pass. */
  readonly startToken: number;
  readonly endToken: number;
  readonly arrivalMs: number;
  readonly meta: RequestMeta | undefined;
  phase: ReqPhase;
  /** Tokens of the current prefill pass (prompt, + generated when recomputing). */
  passTokens: number;
  /** Tokens of the pass already computed. */
  prefilled: number;
  generated: number;
  /** Time of the first token emitted here (NaN until then). */
  firstTokenAtMs: number;
  blocks: number;
  preemptions: number;
  /** A `decode` item whose KV arrived with it: admission starts decoding at once. */
  directDecode: boolean;
  /** Prefill tokens scheduled in the iteration in progress (0 if none). */
  schedTokens: number;
  /** A decode step scheduled in the iteration in progress. */
  schedDecode: boolean;
  /** Chained hashes of the prompt's full blocks (prefix caching), if known. */
  readonly hashes: readonly BlockHash[] | undefined;
  /** Tokens assumed cached at admission on an instance without a cache (what-if runs). */
  readonly assumedCached: number;
  /** Cached blocks this request holds a reference on (prefix first); not in `blocks`. */
  refs: BlockHash[] | undefined;
  /** Tokens of the current pass found cached at its admission. */
  cachedTokens: number;
}

const nonNegInt = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

function check(ok: boolean, id: string, what: string): void {
  if (!ok) throw new RangeError(`work item "${id}": ${what}`);
}

/** Validates a work item and makes its record. @throws RangeError naming the bad field. */
export function newReq(item: WorkItem, arrivalMs: number): Req {
  const id = item.id;
  check(typeof id === 'string' && id.length > 0, String(id), 'id must be a non-empty string');
  check(Number.isFinite(arrivalMs), id, `atMs must be finite, got ${arrivalMs}`);
  check(
    nonNegInt(item.promptTokens) && item.promptTokens > 0,
    id,
    `promptTokens must be an integer >= 1, got ${item.promptTokens}`,
  );
  let outputTokens: number;
  let startToken = 0;
  let endToken = item.promptTokens;
  let passTokens = item.promptTokens;
  let generated = 0;
  switch (item.kind) {
    case 'full':
      check(
        nonNegInt(item.outputTokens) && item.outputTokens >= 1,
        id,
        `outputTokens must be an integer >= 1, got ${item.outputTokens}`,
      );
      outputTokens = item.outputTokens;
      break;
    case 'prefill':
      outputTokens = 1;
      break;
    case 'decode':
      check(
        nonNegInt(item.generatedTokens) && item.generatedTokens >= 1,
        id,
        `generatedTokens must be an integer >= 1, got ${item.generatedTokens}`,
      );
      check(
        nonNegInt(item.outputTokens) && item.outputTokens > item.generatedTokens,
        id,
        `outputTokens must be an integer > generatedTokens (${item.generatedTokens}), got ${item.outputTokens}`,
      );
      outputTokens = item.outputTokens;
      generated = item.generatedTokens;
      passTokens = item.promptTokens + generated;
      break;
    case 'segment':
      check(
        nonNegInt(item.startToken),
        id,
        `startToken must be an integer >= 0, got ${item.startToken}`,
      );
      check(
        nonNegInt(item.endToken) &&
          item.endToken > item.startToken &&
          item.endToken <= item.promptTokens,
        id,
        `endToken must be an integer in (startToken, promptTokens], got ${item.endToken}`,
      );
      startToken = item.startToken;
      endToken = item.endToken;
      passTokens = endToken - startToken;
      outputTokens = endToken === item.promptTokens ? 1 : 0;
      break;
  }
  const prefix = item.kind === 'full' || item.kind === 'prefill' ? item.prefix : undefined;
  if (prefix !== undefined) checkPrefix(prefix, id);
  // One object literal in one field order for every record (a single hidden class).
  return copyReq({
    id,
    kind: item.kind,
    promptTokens: item.promptTokens,
    outputTokens,
    startToken,
    endToken,
    arrivalMs,
    meta: item.meta,
    phase: 'waiting',
    passTokens,
    prefilled: 0,
    generated,
    firstTokenAtMs: Number.NaN,
    blocks: 0,
    preemptions: 0,
    directDecode: item.kind === 'decode',
    schedTokens: 0,
    schedDecode: false,
    hashes: prefix?.blockHashes,
    assumedCached: prefix?.assumedCachedTokens ?? 0,
    refs: undefined,
    cachedTokens: 0,
  });
}

/** A field-by-field copy (the estimator forks instances many times: keep it flat). */
export function copyReq(r: Req): Req {
  return {
    id: r.id,
    kind: r.kind,
    promptTokens: r.promptTokens,
    outputTokens: r.outputTokens,
    startToken: r.startToken,
    endToken: r.endToken,
    arrivalMs: r.arrivalMs,
    meta: r.meta,
    phase: r.phase,
    passTokens: r.passTokens,
    prefilled: r.prefilled,
    generated: r.generated,
    firstTokenAtMs: r.firstTokenAtMs,
    blocks: r.blocks,
    preemptions: r.preemptions,
    directDecode: r.directDecode,
    schedTokens: r.schedTokens,
    schedDecode: r.schedDecode,
    hashes: r.hashes,
    assumedCached: r.assumedCached,
    refs: r.refs === undefined ? undefined : r.refs.slice(),
    cachedTokens: r.cachedTokens,
  };
}

function checkPrefix(prefix: PrefixInfo, id: string): void {
  const a = prefix.assumedCachedTokens;
  if (a !== undefined) {
    check(nonNegInt(a), id, `prefix.assumedCachedTokens must be an integer >= 0, got ${a}`);
  }
  const h = prefix.blockHashes;
  if (h === undefined) return;
  check(Array.isArray(h), id, 'prefix.blockHashes must be an array');
  for (let i = 0; i < h.length; i++) {
    const v = h[i]!;
    check(
      Number.isSafeInteger(v) && v >= 0,
      id,
      `prefix.blockHashes[${i}] must be a non-negative safe integer, got ${v}`,
    );
  }
}
