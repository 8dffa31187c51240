/** Prefix-cache signals for policies: how much of a request's prompt each instance holds. */
import { cachedPrefixTokens } from '@adagen/engine';
import type { InstanceView, RequestInfo } from './types.js';

/**
 * Prompt tokens of `request` cached on `view`'s instance as of its snapshot (the longest cached
 * prefix, never the whole prompt); 0 without prefix information on either side.
 */
export function cachedTokensOn(request: RequestInfo, view: InstanceView): number {
  return cachedPrefixTokens(view.prefixCache, request.prefix, request.promptTokens);
}

/** Prompt blocks of `request` (at its hashes' block size) that `view` does not hold. */
export function uncachedBlocksOn(
  request: RequestInfo,
  view: InstanceView,
  blockSize: number,
): number {
  return Math.ceil((request.promptTokens - cachedTokensOn(request, view)) / blockSize);
}
