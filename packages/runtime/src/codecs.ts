import { DEFAULT_MAX_MESSAGE_BYTES, createCodec } from '@adagen/protocol';
import type { Codec } from '@adagen/protocol';
import type { z } from 'zod';

const cache = new WeakMap<z.ZodType, Map<number, Codec<unknown>>>();

/** The codec for a schema, built once per (schema, maxBytes). */
export function codecFor<T>(schema: z.ZodType<T>, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Codec<T> {
  let bySize = cache.get(schema);
  if (bySize === undefined) {
    bySize = new Map();
    cache.set(schema, bySize);
  }
  let codec = bySize.get(maxBytes);
  if (codec === undefined) {
    codec = createCodec<unknown>(schema, { maxBytes });
    bySize.set(maxBytes, codec);
  }
  // The map is keyed by this very schema, so the codec's type is T.
  return codec as Codec<T>;
}
