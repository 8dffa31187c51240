import { Packr } from 'msgpackr';
import type { Options as PackrOptions } from 'msgpackr';
import type { z } from 'zod';
import { FAST_CHECKS } from './fast-checks.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './limits.js';
import { ProtocolError, clip, issuesFromZod } from './issues.js';
import type { Result } from './result.js';
import { err, ok } from './result.js';

export interface CodecOptions<T = unknown> {
  /**
   * Largest encoded message accepted by `decode` and produced by `encode`.
   * @default 1048576 (nats-server's default max_payload)
   */
  readonly maxBytes?: number;
  /**
   * Validate values before encoding, so a bug in the sender fails there and not in every receiver
   * (a value the fast check accepts is taken without the schema walk, as on decode).
   * @default true
   */
  readonly validateOnEncode?: boolean;
  /**
   * A hand-written check for hot messages (one per streamed chunk): a decoded value it accepts
   * is taken without the schema walk, and so is a value to encode with `validateOnEncode`; anything it does not accept still goes through the schema,
   * so errors keep naming the field. It must accept only values the schema accepts.
   * @default the schema's check in `FAST_CHECKS` (fast-checks.ts), if it has one
   */
  readonly fastCheck?: (raw: unknown) => raw is T;
}

/** A msgpack wire codec for one message schema. */
export interface Codec<T> {
  readonly schema: z.ZodType<T>;
  readonly maxBytes: number;
  /** Encodes a message. Throws {@link ProtocolError} (`invalid_message`, `payload_too_large`). */
  encode(value: T): Uint8Array;
  /** Decodes and validates a message. Never throws. */
  decode(bytes: Uint8Array): Result<T, ProtocolError>;
}

// Plain msgpack maps (no msgpackr records), so any msgpack library can read AdaGen messages.
// `skipValues` drops undefined-valued keys (optional fields); it is missing from msgpackr's types.
const packrOptions: PackrOptions & { skipValues: unknown[] } = {
  useRecords: false,
  mapsAsObjects: true,
  skipValues: [undefined],
};
const packr = new Packr(packrOptions);

const PAYLOAD = '(payload)';

const invalid = (error: z.ZodError) =>
  new ProtocolError('invalid_message', issuesFromZod(error), { totalIssues: error.issues.length });

/** Builds a codec from a zod schema. */
export function createCodec<T>(schema: z.ZodType<T>, options: CodecOptions<T> = {}): Codec<T> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const validateOnEncode = options.validateOnEncode ?? true;
  const fastCheck =
    options.fastCheck ?? (FAST_CHECKS.get(schema) as ((raw: unknown) => raw is T) | undefined);
  const tooLarge = (size: number) =>
    new ProtocolError('payload_too_large', [
      { path: PAYLOAD, message: `expected at most ${maxBytes} bytes, got ${size}` },
    ]);

  return {
    schema,
    maxBytes,
    encode(value: T): Uint8Array {
      // A value the fast check accepts, the schema accepts unchanged: skip its walk. Anything
      // else goes to the schema, so a refusal still names the field.
      if (validateOnEncode && fastCheck?.(value) !== true) {
        const parsed = schema.safeParse(value);
        if (!parsed.success) throw invalid(parsed.error);
      }
      const bytes: Uint8Array = packr.pack(value);
      if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength);
      return bytes;
    },
    decode(bytes: Uint8Array): Result<T, ProtocolError> {
      if (bytes.byteLength > maxBytes) return err(tooLarge(bytes.byteLength));
      if (bytes.byteLength === 0)
        return err(
          new ProtocolError('invalid_message', [
            { path: PAYLOAD, message: 'expected a msgpack message, got 0 bytes' },
          ]),
        );
      let raw: unknown;
      try {
        raw = packr.unpack(bytes);
      } catch (cause) {
        // msgpackr's messages can quote the decoded data (e.g. on trailing bytes): keep them short.
        const why = clip(cause instanceof Error ? cause.message : String(cause), 200);
        return err(
          new ProtocolError(
            'invalid_message',
            [{ path: PAYLOAD, message: `expected msgpack, could not decode: ${why}` }],
            { cause },
          ),
        );
      }
      if (fastCheck?.(raw) === true) return ok(raw);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) return err(invalid(parsed.error));
      return ok(parsed.data);
    },
  };
}
