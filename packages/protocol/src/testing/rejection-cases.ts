/** Malformed messages for the rejection tests: each breaks one field of a valid sample. */
import type { MessageName } from '../messages.js';
import { sample } from './fixtures.js';

export type Path = readonly (string | number)[];
export const DELETE = Symbol('delete');

/** Sets (or deletes) the value at `path` inside a sample message. */
export function breakAt(
  name: MessageName,
  path: Path,
  value: unknown,
  alsoDelete?: string,
): unknown {
  const root = sample(name);
  if (alsoDelete !== undefined) delete root[alsoDelete];
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return root;
}

export interface Case {
  readonly what: string;
  readonly name: MessageName;
  readonly path: Path;
  readonly value: unknown;
  /** The path the error must name (defaults to `path`). */
  readonly expectPath?: string;
  readonly expectMessage: RegExp;
  /** A top-level field to delete as well. */
  readonly alsoDelete?: string;
}

const longId = 'a'.repeat(65);
const seg = (instanceId: string, startToken: number, endToken: number) => ({
  instanceId,
  startToken,
  endToken,
});

export const CASES: Case[] = [
  {
    what: 'missing field',
    name: 'inferenceRequest',
    path: ['requestId'],
    value: DELETE,
    expectMessage: /expected string, received undefined/,
  },
  {
    what: 'id with a dot',
    name: 'inferenceRequest',
    path: ['requestId'],
    value: 'a.b',
    expectMessage: /A-Z a-z 0-9 _ -, got "a\.b"/,
  },
  {
    what: 'id with a wildcard',
    name: 'placementNotice',
    path: ['balancerId'],
    value: 'bal*',
    expectMessage: /got "bal\*"/,
  },
  {
    what: 'id too long',
    name: 'inferenceRequest',
    path: ['gatewayId'],
    value: longId,
    expectMessage: /1-64 characters/,
  },
  {
    what: 'empty id',
    name: 'tokenChunk',
    path: ['instanceId'],
    value: '',
    expectMessage: /empty string/,
  },
  {
    what: 'wrong type',
    name: 'inferenceRequest',
    path: ['maxTokens'],
    value: '256',
    expectMessage: /expected number, received string/,
  },
  {
    what: 'fractional token count',
    name: 'inferenceRequest',
    path: ['promptTokens'],
    value: 1.5,
    expectMessage: /expected int/,
  },
  {
    what: 'absurd token count',
    name: 'inferenceRequest',
    path: ['promptTokens'],
    value: 1e12,
    expectMessage: /Too big/,
  },
  {
    what: 'wrong protocol version',
    name: 'inferenceRequest',
    path: ['v'],
    value: 2,
    expectMessage: /expected 1/,
  },
  {
    what: 'prompt and promptTokens both missing',
    name: 'inferenceRequest',
    path: ['promptTokens'],
    value: DELETE,
    alsoDelete: 'prompt',
    expectPath: 'prompt',
    expectMessage: /expected prompt, promptTokenIds, messages or promptTokens/,
  },
  {
    what: 'a negative token id (its index named)',
    name: 'inferenceRequest',
    path: ['promptTokenIds'],
    value: [1, 2, -3],
    expectMessage: /^item 2: expected an integer from 0 to 16777216, got -3$/,
  },
  {
    what: 'a token id that is not a number',
    name: 'inferenceRequest',
    path: ['promptTokenIds'],
    value: [1, '2'],
    expectMessage: /^item 1: expected an integer from 0 to 16777216, got string$/,
  },
  {
    what: 'no token ids',
    name: 'inferenceRequest',
    path: ['promptTokenIds'],
    value: [],
    expectMessage: /^expected at least one token id$/,
  },
  {
    what: 'token ids that are not a list',
    name: 'inferenceRequest',
    path: ['promptTokenIds'],
    value: { 0: 1 },
    expectMessage: /^expected a list of token ids, got object$/,
  },
  {
    what: 'too many stop sequences',
    name: 'inferenceRequest',
    path: ['sampling', 'stop'],
    value: ['a', 'b', 'c', 'd', 'e'],
    expectMessage: /Too big/,
  },
  {
    what: 'temperature out of range',
    name: 'inferenceRequest',
    path: ['sampling', 'temperature'],
    value: 9,
    expectMessage: /Too big/,
  },
  {
    what: 'oversized prompt',
    name: 'inferenceRequest',
    path: ['prompt'],
    value: 'x'.repeat(1_000_001),
    expectMessage: /Too big/,
  },
  {
    what: 'deadline before arrival',
    name: 'inferenceRequest',
    path: ['deadlineAtMs'],
    value: 1,
    expectMessage: /deadlineAtMs >= receivedAtMs/,
  },
  {
    what: 'nested bad field',
    name: 'classification',
    path: ['request', 'model'],
    value: '',
    expectMessage: /Too small/,
  },
  {
    what: 'bad class',
    name: 'classification',
    path: ['class', 'decode'],
    value: 'medium',
    expectMessage: /short|long/,
  },
  {
    what: 'bad candidate id',
    name: 'placement',
    path: ['candidates', 1, 'instanceId'],
    value: 'gpu 2',
    expectMessage: /got "gpu 2"/,
  },
  {
    what: 'unknown plan kind',
    name: 'executionPlan',
    path: ['kind'],
    value: 'triple',
    expectMessage: /single|discriminator/,
  },
  {
    what: 'pd-split on one instance',
    name: 'executionPlan',
    path: ['decodeInstanceId'],
    value: 'gpu-1',
    expectMessage: /differ/,
  },
  {
    what: 'non-contiguous segments',
    name: 'agentDispatch',
    path: ['plan', 'segments', 1, 'startToken'],
    value: 5100,
    expectMessage: /expected 5000 .*contiguous.*got 5100/,
  },
  {
    what: 'first segment not at 0',
    name: 'agentDispatch',
    path: ['plan', 'segments', 0, 'startToken'],
    value: 10,
    expectMessage: /expected 0/,
  },
  {
    what: 'segments not covering the prompt',
    name: 'agentDispatch',
    path: ['plan', 'segments', 1, 'endToken'],
    value: 11000,
    expectMessage: /expected 12000 .*cover/,
  },
  {
    what: 'empty segment',
    name: 'agentDispatch',
    path: ['plan', 'segments', 1, 'endToken'],
    value: 5000,
    expectMessage: /expected > startToken 5000/,
  },
  {
    what: 'one segment only',
    name: 'agentDispatch',
    path: ['plan', 'segments'],
    value: [seg('gpu-1', 0, 12000)],
    expectMessage: /Too small/,
  },
  {
    what: 'five segments',
    name: 'agentDispatch',
    path: ['plan', 'segments'],
    value: [0, 1, 2, 3, 4].map((i) => seg(`g${i}`, i * 10, i * 10 + 10)),
    expectMessage: /Too big/,
  },
  {
    what: 'repeated segment instance',
    name: 'agentDispatch',
    path: ['plan', 'segments', 1, 'instanceId'],
    value: 'gpu-1',
    expectMessage: /distinct/,
  },
  {
    what: 'role that does not fit the plan',
    name: 'agentDispatch',
    path: ['role'],
    value: 'full',
    expectMessage: /expected segment or decode/,
  },
  {
    what: 'segment without KV peer',
    name: 'agentDispatch',
    path: ['kvPeerInstanceId'],
    value: DELETE,
    expectMessage: /required for role "segment"/,
  },
  {
    what: 'segment not in the plan',
    name: 'agentDispatch',
    path: ['segment', 'endToken'],
    value: 11000,
    expectPath: 'segment',
    expectMessage: /no segment of the plan/,
  },
  {
    what: 'bad stream subject',
    name: 'agentDispatch',
    path: ['request', 'streamSubject'],
    value: 'adagen.v1.stream.gw.*',
    expectMessage: /adagen\.v1\.stream/,
  },
  {
    what: 'plan result with a bad plan',
    name: 'planResult',
    path: ['plan', 'instanceId'],
    value: DELETE,
    expectMessage: /expected string/,
  },
  {
    what: 'rejected ack without error',
    name: 'dispatchAck',
    path: ['error'],
    value: DELETE,
    expectMessage: /expected object/,
  },
  {
    what: 'unknown ack status',
    name: 'dispatchAck',
    path: ['status'],
    value: 'maybe',
    expectMessage: /accepted/,
  },
  {
    what: 'bad KV range',
    name: 'kvHandoffNotice',
    path: ['range', 'endToken'],
    value: 0,
    expectMessage: /endToken > startToken/,
  },
  {
    what: 'negative seq',
    name: 'tokenChunk',
    path: ['seq'],
    value: -1,
    expectMessage: /Too small/,
  },
  {
    what: 'oversized chunk text',
    name: 'tokenChunk',
    path: ['text'],
    value: 'y'.repeat(70_000),
    expectMessage: /Too big/,
  },
  {
    what: 'unknown error code',
    name: 'streamMessage',
    path: ['code'],
    value: 'oops',
    expectMessage: /bad_request/,
  },
  {
    what: 'unknown stream message type',
    name: 'streamMessage',
    path: ['type'],
    value: 'bogus',
    expectMessage: /token/,
  },
  {
    what: 'NaN duration',
    name: 'outcome',
    path: ['timings', 'ttftMs'],
    value: Number.NaN,
    expectMessage: /NaN/,
  },
  {
    what: 'KV used above total',
    name: 'instanceState',
    path: ['kv', 'usedBlocks'],
    value: 20_000,
    expectMessage: /usedBlocks <= totalBlocks/,
  },
  {
    what: 'prefilled above prompt + generated',
    name: 'instanceState',
    path: ['running', 0, 'prefilledTokens'],
    value: 931,
    expectMessage: /prefilledTokens <= promptTokens \+ generatedTokens \(930\), got 931/,
  },
  {
    what: 'unknown phase',
    name: 'instanceState',
    path: ['running', 0, 'phase'],
    value: 'sleeping',
    expectMessage: /waiting|prefilling/,
  },
  {
    what: 'segment without bounds',
    name: 'instanceState',
    path: ['waiting', 0, 'startToken'],
    value: DELETE,
    expectMessage: /startToken and endToken/,
  },
  {
    what: 'too many waiting requests',
    name: 'instanceState',
    path: ['waiting'],
    value: new Array(4097).fill(null),
    expectMessage: /Too big/,
  },
  {
    what: 'delta not after its base',
    name: 'instanceStateDelta',
    path: ['baseSeq'],
    value: 42,
    expectMessage: /baseSeq < seq/,
  },
  {
    what: 'patch with a bad id',
    name: 'instanceStateDelta',
    path: ['patch', 0, 'id'],
    value: 'r.1',
    expectMessage: /A-Z/,
  },
  {
    what: 'negative generated tokens in a patch',
    name: 'instanceStateDelta',
    path: ['patch', 0, 'generatedTokens'],
    value: -1,
    expectMessage: />=|too small/i,
  },
  {
    what: 'bad engine',
    name: 'agentAnnounce',
    path: ['engine'],
    value: 'gpu',
    expectMessage: /sim|http/,
  },
  {
    what: 'finish before first token',
    name: 'completionRecord',
    path: ['finishedAtMs'],
    value: 1_700_000_000_010,
    expectMessage: /firstTokenAtMs/,
  },
  {
    what: 'no instances',
    name: 'completionRecord',
    path: ['instanceIds'],
    value: [],
    expectMessage: /Too small/,
  },
  {
    what: 'no additions',
    name: 'estimateRequest',
    path: ['additions'],
    value: [],
    expectMessage: /Too small/,
  },
  {
    what: 'zero horizon',
    name: 'estimateRequest',
    path: ['horizonMs'],
    value: 0,
    expectMessage: /Too small/,
  },
  {
    what: 'bad affected id',
    name: 'estimateResponse',
    path: ['perInstance', 0, 'affected', 0, 'requestId'],
    value: 'r/1',
    expectMessage: /got "r\/1"/,
  },
  {
    what: 'unknown cancel reason',
    name: 'requestCancel',
    path: ['reason'],
    value: 'bored',
    expectMessage: /client_closed/,
  },
  {
    what: 'negative attempt in a cancel',
    name: 'requestCancel',
    path: ['upToAttempt'],
    value: -1,
    expectMessage: /Too small/,
  },
  {
    what: 'probe with a negative time',
    name: 'agentProbe',
    path: ['atMs'],
    value: -5,
    expectMessage: /Too small/,
  },
  {
    what: 'probe answer from a bad id',
    name: 'probeAck',
    path: ['instanceId'],
    value: 'a.b',
    expectMessage: /got "a\.b"/,
  },
  {
    what: 'decision placed without a plan',
    name: 'decisionRecord',
    path: ['plan'],
    value: DELETE,
    expectMessage: /expected a plan when placed/,
  },
  {
    what: 'decision with an unknown outcome',
    name: 'decisionRecord',
    path: ['outcome'],
    value: 'maybe',
    expectMessage: /placed/,
  },
  {
    what: 'decision with too many candidates',
    name: 'decisionRecord',
    path: ['candidates'],
    value: Array.from({ length: 17 }, (_, i) => ({ instanceId: `gpu-${i}` })),
    expectMessage: /Too big/,
  },
  {
    what: 'decision reason too long',
    name: 'decisionRecord',
    path: ['reasons', 0],
    value: 'x'.repeat(513),
    expectMessage: /Too big/,
  },
  {
    what: 'cache batch with sequence number 0',
    name: 'kvEventBatch',
    path: ['seq'],
    value: 0,
    expectMessage: /Too small/,
  },
  {
    what: 'cache event of an unknown kind',
    name: 'kvEventBatch',
    path: ['events', 1, 'type'],
    value: 'evicted',
    expectMessage: /stored|Invalid/,
  },
  {
    what: 'stored event with a hash beyond 2^53',
    name: 'kvEventBatch',
    path: ['events', 0, 'blockHashes', 1],
    value: 2 ** 60,
    expectMessage: /Too big|safe/,
  },
  {
    what: 'cache snapshot with a fractional hash',
    name: 'kvCacheSnapshot',
    path: ['blockHashes', 0],
    value: 1.5,
    expectMessage: /int/,
  },
  {
    what: 'cache snapshot with block size 0',
    name: 'kvCacheSnapshot',
    path: ['blockSize'],
    value: 0,
    expectMessage: /Too small/,
  },
];
