/**
 * The scheduler's side of prefix caching (vLLM's automatic prefix caching): admission reuses the
 * longest cached prefix of a prompt (reference-counted, not recomputed), computed full blocks
 * are cached as the prefill advances, freed blocks stay cached until a new block needs their
 * room (LRU). Block counts: `s.usedBlocks` = every request's own blocks + cached blocks in use
 * (counted once however many requests share them); cached free blocks are part of the free pool.
 */
import type { EngineConfig } from './config.js';
import type { Req } from './request.js';
import type { EngineState } from './state.js';

/** Blocks a request holds: its own plus the cached ones it references. */
export function heldBlocks(r: Req): number {
  return r.blocks + (r.refs === undefined ? 0 : r.refs.length);
}

/** Takes `n` blocks from the free pool, evicting cached free blocks when the pool runs short. */
export function allocateBlocks(s: EngineState, cfg: EngineConfig, n: number): void {
  s.usedBlocks += n;
  const cache = s.cache;
  if (cache === undefined) return;
  const free = cfg.numGpuBlocks - s.usedBlocks;
  while (cache.freeCached > free && cache.evictOne());
}

/** Frees what `r` holds: its own blocks, then its cached blocks tail first (prefix kept longest). */
export function freeBlocks(s: EngineState, r: Req): void {
  s.usedBlocks -= r.blocks;
  r.blocks = 0;
  const refs = r.refs;
  if (refs === undefined) return;
  r.refs = undefined;
  const cache = s.cache!;
  for (let i = refs.length - 1; i >= 0; i--) if (cache.release(refs[i]!)) s.usedBlocks--;
}

/** Longest cached prefix usable for `r`'s pass, in blocks (never the whole pass: ≥ 1 token computes). */
export function hitBlocks(s: EngineState, r: Req, blockSize: number): number {
  const cache = s.cache;
  const hashes = r.hashes;
  if (cache === undefined || hashes === undefined || r.startToken !== 0) return 0;
  return cache.matchBlocks(hashes, Math.floor((r.passTokens - 1) / blockSize));
}

/** What admission needs for `r`: blocks from the free pool, and the cached prefix. */
export interface CachedAdmission {
  /** Blocks taken from the free pool: the uncached blocks plus cached blocks now free. */
  needBlocks: number;
  hitBlocks: number;
  /** Tokens of the pass not computed (cached, or assumed cached in a what-if run). */
  cachedTokens: number;
}

export function planAdmission(
  s: EngineState,
  r: Req,
  totalBlocks: number,
  blockSize: number,
): CachedAdmission {
  const hit = hitBlocks(s, r, blockSize);
  if (hit > 0) {
    const revived = s.cache!.freeAmong(r.hashes!, hit);
    return {
      needBlocks: totalBlocks - hit + revived,
      hitBlocks: hit,
      cachedTokens: hit * blockSize,
    };
  }
  const assumed = r.directDecode ? 0 : Math.min(r.assumedCached, r.passTokens - 1);
  return { needBlocks: totalBlocks, hitBlocks: 0, cachedTokens: Math.max(0, assumed) };
}

/** Commits an admission planned by `planAdmission`: references the hit blocks, allocates the rest. */
export function admitBlocks(
  s: EngineState,
  cfg: EngineConfig,
  r: Req,
  totalBlocks: number,
  a: CachedAdmission,
): void {
  const cache = s.cache;
  if (a.hitBlocks > 0) {
    const refs = r.hashes!.slice(0, a.hitBlocks);
    for (const h of refs) if (cache!.acquire(h)) s.usedBlocks++;
    r.refs = refs;
  }
  allocateBlocks(s, cfg, totalBlocks - a.hitBlocks);
  r.blocks = totalBlocks - a.hitBlocks;
  r.cachedTokens = a.cachedTokens;
  if (cache !== undefined && !r.directDecode) {
    cache.queriedTokens += r.passTokens;
    cache.hitTokens += a.hitBlocks * cfg.blockSize;
  }
}

/**
 * Caches the full prompt blocks `r` has computed so far (after its prefill advanced). A block
 * another request cached meanwhile is shared instead, and `r`'s own copy freed.
 */
export function cacheComputed(s: EngineState, r: Req, blockSize: number): void {
  const cache = s.cache;
  const hashes = r.hashes;
  if (cache === undefined || hashes === undefined || r.startToken !== 0) return;
  const done = Math.min(hashes.length, Math.floor(r.prefilled / blockSize));
  let refs = r.refs;
  let k = refs === undefined ? 0 : refs.length;
  if (k >= done) return;
  if (refs === undefined) refs = r.refs = [];
  for (; k < done && r.blocks > 0; k++) {
    const h = hashes[k]!;
    r.blocks--;
    if (!cache.store(h)) {
      s.usedBlocks--;
      if (cache.acquire(h)) s.usedBlocks++;
    }
    refs.push(h);
  }
}

/** Tokens of a waiting request's prompt cached now (what its admission would reuse). */
export function cachedTokensNow(s: EngineState, r: Req, blockSize: number): number {
  return hitBlocks(s, r, blockSize) * blockSize;
}
