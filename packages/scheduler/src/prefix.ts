/** Prefix-cache signals for policies: how much of a request's prompt each instance holds. */
import { cachedPrefixTokens } from '@adagen/engine';
import type { InstanceView, RequestInfo } from './types.js';

/**
 * Prompt tokens of `request` cached on `view`'s instance as of its snapshot (the longest cached
 * prefix, never the whole prompt); 0 without prefix information on either side.
 */
export function cachedTokensOn(request: RequestInfo, view: InstanceView): number {
  const lookup = view.prefixCache;
  const prefix = request.prefix;
  if (lookup === undefined || prefix === undefined) return 0;
  // A decision asks several times per instance (pre-filter, estimate, pending): memoise per
  // prompt and index version.
  const version = lookup.version;
  let byLookup = memo.get(prefix);
  if (byLookup === undefined) {
    byLookup = new WeakMap();
    memo.set(prefix, byLookup);
  }
  const hit = byLookup.get(lookup);
  if (hit !== undefined && version !== undefined && hit.version === version) return hit.tokens;
  const tokens = cachedPrefixTokens(lookup, prefix, request.promptTokens);
  if (version !== undefined) byLookup.set(lookup, { version, tokens });
  return tokens;
}

const memo = new WeakMap<object, WeakMap<object, { version: number; tokens: number }>>();

/** Prompt blocks of `request` (at its hashes' block size) that `view` does not hold. */
export function uncachedBlocksOn(
  request: RequestInfo,
  view: InstanceView,
  blockSize: number,
): number {
  return Math.ceil((request.promptTokens - cachedTokensOn(request, view)) / blockSize);
}
