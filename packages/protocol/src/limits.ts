/**
 * Bounds applied to every number, string and array on the wire. A message outside them is
 * rejected at decode time with the field's path, so absurd input never reaches an algorithm.
 */
export const LIMITS = {
  /** Ids used in subjects (request, instance, gateway, balancer): characters. */
  idChars: 64,
  /** Largest token count anywhere (prompt, output, segment bounds): 4 Mi tokens. */
  tokens: 4_194_304,
  /** Prompt text, in UTF-16 code units (about 1 MB of ASCII). */
  promptChars: 1_000_000,
  /** One streamed chunk of text. */
  chunkChars: 65_536,
  /** Model, profile, policy and tenant names. */
  nameChars: 256,
  /** Human-readable error messages. */
  messageChars: 4_096,
  /** Chat messages in one request. */
  chatMessages: 10_000,
  /** Largest token id in a prompt given as token ids. */
  tokenId: 16_777_216,
  /** Stop sequences: count and length of each (OpenAI allows 4). */
  stopSequences: 4,
  stopSequenceChars: 256,
  /** Timestamps in ms (epoch or virtual); about year 5138 as epoch ms. */
  timestampMs: 1e14,
  /** Durations in ms: about 11.5 days. */
  durationMs: 1e9,
  /** Retry attempts of one request. */
  attempts: 100,
  /** Requests listed in one instance snapshot (running, and waiting, each). */
  requestsPerInstance: 4_096,
  /** Iteration samples in one snapshot. */
  iterationSamples: 256,
  /** Instances named in one message (candidates, estimate targets). */
  instances: 1_024,
  /** Candidates listed in one decision record, and its reasons (count, characters each). */
  decisionCandidates: 16,
  decisionReasons: 8,
  decisionReasonChars: 512,
  /** Requests added in one estimate query. */
  estimateAdditions: 64,
  /** Engine batch limits and KV blocks. */
  batchTokens: 1_048_576,
  seqs: 65_536,
  kvBlocks: 16_777_216,
  blockSizeTokens: 4_096,
  /** Segments of a split prefill. */
  minSegments: 2,
  maxSegments: 4,
  /** Prefix-cache events: blocks named in one event, events in one batch, blocks in a snapshot. */
  kvEventBlocks: 65_536,
  kvEventsPerBatch: 4_096,
  kvSnapshotBlocks: 100_000,
  /** Block hashes of one prompt carried to the balancer (1 Mi tokens at 16 tokens a block). */
  promptBlockHashes: 65_536,
  /** Monotonic sequence numbers (state snapshots, chunks): Number.MAX_SAFE_INTEGER. */
  seq: Number.MAX_SAFE_INTEGER,
} as const;

/** Default largest encoded message, matching nats-server's default `max_payload` (1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;
