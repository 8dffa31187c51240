/** A GGUF file (or a write request) that does not follow the format; the message says where. */
export class GgufFormatError extends Error {
  override readonly name: string = 'GgufFormatError';
  readonly code = 'gguf_format';
  /** Byte offset in the file where the problem was found, when reading. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

/** The bytes end before the header does: read more of the file and try again. */
export class GgufTruncatedError extends GgufFormatError {
  override readonly name = 'GgufTruncatedError';
  constructor(
    readonly needBytes: number,
    offset: number,
  ) {
    super(`GGUF header truncated: need ${needBytes} more bytes`, offset);
  }
}
