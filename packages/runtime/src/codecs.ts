import { DEFAULT_MAX_MESSAGE_BYTES, createCodec } from '@adagen/protocol';
import type { Codec } from '@adagen/protocol';
import type { z } from 'zod';

const cache = new WeakMap<z.ZodType, Map<string, Codec<unknown>>>();

/**
 * The codec for a schema, built once per (schema, maxBytes, validateOnEncode). Requests are
 * encoded without the schema walk (`validateOnEncode: false`): the receiving endpoint validates
 * every request and answers one it refuses with `invalid_message` naming the field, so the
 * sender's walk only repeated that check on the decision chain's critical path.
 */
export function codecFor<T>(
  schema: z.ZodType<T>,
  maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
  validateOnEncode = true,
): Codec<T> {
  let byOptions = cache.get(schema);
  if (byOptions === undefined) {
    byOptions = new Map();
    cache.set(schema, byOptions);
  }
  const key = `${maxBytes}/${validateOnEncode}`;
  let codec = byOptions.get(key);
  if (codec === undefined) {
    codec = createCodec<unknown>(schema, { maxBytes, validateOnEncode });
    byOptions.set(key, codec);
  }
  // The map is keyed by this very schema, so the codec's type is T.
  return codec as Codec<T>;
}
