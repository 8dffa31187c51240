/**
 * The AdaGen subject hierarchy. Every subject starts with the versioned prefix `adagen.v1`, and
 * each token has a fixed position, so wildcards such as `adagen.v1.agent.*.state` select one kind
 * of message from every agent. Ids in subjects are 1-64 characters of `A-Z a-z 0-9 _ -`; builders
 * throw {@link AdagenError} `bad_request` for anything else (an id with `.`, `*` or `>` would
 * change the subject's meaning). Payloads are msgpack (see `codec.ts`).
 *
 * | Subject | Publisher → subscriber | Payload |
 * |---|---|---|
 * | `adagen.v1.svc.classify` | gateway → classifier (request/reply, queue group) | `InferenceRequest` → `PlanResult` |
 * | `adagen.v1.svc.balance` | classifier → balancer (request/reply, queue group) | `Classification` → `PlanResult` |
 * | `adagen.v1.svc.balance.<shard>` | balancer shard → the replicas of shard `<shard>` (request/reply, queue group): a request its own shard predicts to miss on every agent | `ShardOffer` → `ShardAnswer` |
 * | `adagen.v1.svc.plan` | balancer → planner (request/reply, queue group) | `Placement` → `PlanResult` |
 * | `adagen.v1.svc.estimate` | balancer, planner → estimator (request/reply, queue group) | `EstimateRequest` → `EstimateResponse` |
 * | `adagen.v1.agent.<instanceId>.dispatch` | planner → that agent (request/reply) | `AgentDispatch` → `DispatchAck` |
 * | `adagen.v1.agent.<instanceId>.state` | agent → balancer, planner, estimator | `InstanceState`, or `InstanceStateDelta` (the change since the previous one) |
 * | `adagen.v1.agent.<instanceId>.completion` | agent → classifier, metrics | `CompletionRecord` |
 * | `adagen.v1.agent.<instanceId>.announce` | agent → balancer, planner, estimator, gateway | `AgentAnnounce` |
 * | `adagen.v1.agent.<instanceId>.cache` | agent → balancers (prefix-cache index) | `KvCacheMessage` (`kv_events` batches in `seq` order, periodic `kv_snapshot`) |
 * | `adagen.v1.agent.<instanceId>.probe` | gateway → that agent (request/reply), when its state is overdue | `AgentProbe` → `ProbeAck` |
 * | `adagen.v1.agent.<instanceId>.kv.<fromInstanceId>` | agent `fromInstanceId` → agent `instanceId` (KV hand-off of split plans) | `KvHandoffNotice` |
 * | `adagen.v1.stream.<gatewayId>.<requestId>.<instanceId>` | that agent → the gateway holding the request | `StreamMessage` (`token` chunks, then one `done` or `error`) |
 * | `adagen.v1.placements.<balancerId>` | balancer → its peer balancers | `PlacementNotice` |
 * | `adagen.v1.decisions.<balancerId>` | balancer → dashboards, the capacity recommender | `DecisionRecord` |
 * | `adagen.v1.cancel.<gatewayId>` | that gateway (client gone, retry) or a planner (rollback) → every agent | `RequestCancel` |
 *
 * Service endpoints are served through the NATS Service API; replicas share a subject through
 * the service's queue group. The `.kv` subject is addressed to the receiving agent's id and ends
 * with the sender's, so permissions can let an agent send hand-offs only as itself.
 *
 * A dispatch names the request's stream by its address `adagen.v1.stream.<gatewayId>.<requestId>`
 * ({@link subjects.stream}); an agent publishes under it with its own id appended
 * ({@link subjects.streamFrom}), so NATS permissions can let an agent publish only its own
 * results (`adagen.v1.stream.*.*.<its id>`) and the gateway knows which agent sent each message.
 */
import { AdagenError } from './errors.js';
import { idProblem, isValidId } from './ids.js';
import type { Result } from './result.js';
import { err, ok } from './result.js';

/** Versioned root of every AdaGen subject. */
export const SUBJECT_PREFIX = 'adagen.v1';

/** Service endpoints (request/reply through the Service API). */
export const SERVICE_ENDPOINTS = ['classify', 'balance', 'plan', 'estimate'] as const;
export type ServiceEndpoint = (typeof SERVICE_ENDPOINTS)[number];

/** Highest balancer shard number (the balancer's `shard` option: 0..255). */
export const MAX_SHARD = 255;

/** Per-agent subjects: `adagen.v1.agent.<instanceId>.<verb>`. */
export const AGENT_VERBS = [
  'dispatch',
  'state',
  'completion',
  'announce',
  'probe',
  'cache',
  'kv',
] as const;
export type AgentVerb = (typeof AGENT_VERBS)[number];
/** Verbs whose subject ends with the verb (`kv` also names its sender). */
export type PlainAgentVerb = Exclude<AgentVerb, 'kv'>;

/** Token positions (0-based) of the variable parts. */
export const TOKEN_POSITIONS = {
  family: 2,
  serviceEndpoint: 3,
  serviceShard: 4,
  agentInstanceId: 3,
  agentVerb: 4,
  kvFromInstanceId: 5,
  streamGatewayId: 3,
  streamRequestId: 4,
  streamInstanceId: 5,
  placementsBalancerId: 3,
  decisionsBalancerId: 3,
  cancelGatewayId: 3,
} as const;

function checkedId(field: string, value: string): string {
  const problem = idProblem(value);
  if (problem !== undefined) throw new AdagenError('bad_request', `${field}: ${problem}`);
  return value;
}

export const subjects = {
  /** `adagen.v1.svc.<endpoint>` */
  service(endpoint: ServiceEndpoint): string {
    return `${SUBJECT_PREFIX}.svc.${endpoint}`;
  },
  classify: `${SUBJECT_PREFIX}.svc.classify`,
  balance: `${SUBJECT_PREFIX}.svc.balance`,
  plan: `${SUBJECT_PREFIX}.svc.plan`,
  estimate: `${SUBJECT_PREFIX}.svc.estimate`,
  /**
   * `adagen.v1.svc.balance.<shard>`: the replicas of balancer shard `shard` (0-based), where
   * another shard offers a request it predicts to miss its SLO on all of its own agents.
   */
  shardBalance(shard: number): string {
    if (!Number.isInteger(shard) || shard < 0 || shard > MAX_SHARD)
      throw new AdagenError(
        'bad_request',
        `shard: expected an integer 0..${MAX_SHARD}, got ${shard}`,
      );
    return `${SUBJECT_PREFIX}.svc.balance.${shard}`;
  },
  /** `adagen.v1.agent.<instanceId>.<verb>` */
  agent(instanceId: string, verb: PlainAgentVerb): string {
    return `${SUBJECT_PREFIX}.agent.${checkedId('instanceId', instanceId)}.${verb}`;
  },
  dispatch: (instanceId: string): string => subjects.agent(instanceId, 'dispatch'),
  state: (instanceId: string): string => subjects.agent(instanceId, 'state'),
  completion: (instanceId: string): string => subjects.agent(instanceId, 'completion'),
  announce: (instanceId: string): string => subjects.agent(instanceId, 'announce'),
  probe: (instanceId: string): string => subjects.agent(instanceId, 'probe'),
  /** `adagen.v1.agent.<instanceId>.cache`: that agent's prefix-cache events and snapshots. */
  cache: (instanceId: string): string => subjects.agent(instanceId, 'cache'),
  /** `adagen.v1.agent.<toInstanceId>.kv.<fromInstanceId>` */
  kv: (toInstanceId: string, fromInstanceId: string): string =>
    `${SUBJECT_PREFIX}.agent.${checkedId('toInstanceId', toInstanceId)}.kv.${checkedId('fromInstanceId', fromInstanceId)}`,
  /** `adagen.v1.stream.<gatewayId>.<requestId>`: a request's stream address, as dispatched. */
  stream(gatewayId: string, requestId: string): string {
    return `${SUBJECT_PREFIX}.stream.${checkedId('gatewayId', gatewayId)}.${checkedId('requestId', requestId)}`;
  },
  /**
   * `<streamAddress>.<instanceId>`: where agent `instanceId` publishes a request's stream. Throws
   * `bad_request` unless `streamAddress` is a stream address (`subjects.stream`).
   */
  streamFrom(streamAddress: string, instanceId: string): string {
    const parsed = parseSubject(streamAddress);
    if (!parsed.ok || parsed.value.kind !== 'stream' || parsed.value.instanceId !== undefined)
      throw new AdagenError(
        'bad_request',
        `streamSubject: expected ${SUBJECT_PREFIX}.stream.<gatewayId>.<requestId>`,
      );
    return `${streamAddress}.${checkedId('instanceId', instanceId)}`;
  },
  /** `adagen.v1.placements.<balancerId>` */
  placements(balancerId: string): string {
    return `${SUBJECT_PREFIX}.placements.${checkedId('balancerId', balancerId)}`;
  },
  /** `adagen.v1.decisions.<balancerId>`: that balancer's decision records. */
  decisions(balancerId: string): string {
    return `${SUBJECT_PREFIX}.decisions.${checkedId('balancerId', balancerId)}`;
  },
  /** `adagen.v1.cancel.<gatewayId>`: cancels of requests that gateway holds. */
  cancel(gatewayId: string): string {
    return `${SUBJECT_PREFIX}.cancel.${checkedId('gatewayId', gatewayId)}`;
  },
} as const;

/** Wildcards for subscribers that listen to every publisher of a kind. */
export const wildcards = {
  /** Every agent subject. */
  allAgents: `${SUBJECT_PREFIX}.agent.>`,
  agentState: `${SUBJECT_PREFIX}.agent.*.state`,
  agentCompletion: `${SUBJECT_PREFIX}.agent.*.completion`,
  agentAnnounce: `${SUBJECT_PREFIX}.agent.*.announce`,
  agentCache: `${SUBJECT_PREFIX}.agent.*.cache`,
  /** One verb from every agent, e.g. `adagen.v1.agent.*.dispatch`. */
  agentVerb: (verb: PlainAgentVerb): string => `${SUBJECT_PREFIX}.agent.*.${verb}`,
  /** Every token stream, to any gateway, from any agent. */
  allStreams: `${SUBJECT_PREFIX}.stream.*.*.*`,
  /** The KV hand-offs addressed to one agent, from any peer. */
  kvTo: (instanceId: string): string =>
    `${SUBJECT_PREFIX}.agent.${checkedId('instanceId', instanceId)}.kv.*`,
  /** Every KV hand-off one agent may send: as itself, to any peer. */
  kvFrom: (instanceId: string): string =>
    `${SUBJECT_PREFIX}.agent.*.kv.${checkedId('instanceId', instanceId)}`,
  /** Every stream one agent may publish: its own results, to any gateway. */
  streamsFrom: (instanceId: string): string =>
    `${SUBJECT_PREFIX}.stream.*.*.${checkedId('instanceId', instanceId)}`,
  /** Every service endpoint. */
  allServices: `${SUBJECT_PREFIX}.svc.*`,
  /** Every balancer shard's offer subject. */
  shardBalances: `${SUBJECT_PREFIX}.svc.balance.*`,
  /** Every stream addressed to one gateway, from any agent. */
  gatewayStreams: (gatewayId: string): string =>
    `${SUBJECT_PREFIX}.stream.${checkedId('gatewayId', gatewayId)}.*.*`,
  /** Every balancer's placement notices. */
  placements: `${SUBJECT_PREFIX}.placements.*`,
  /** Every balancer's decision records. */
  decisions: `${SUBJECT_PREFIX}.decisions.*`,
  /** Every gateway's cancels (what agents subscribe to). */
  cancels: `${SUBJECT_PREFIX}.cancel.*`,
} as const;

const STREAM_PREFIX = `${SUBJECT_PREFIX}.stream.`;
const DOT = 46;

/** A concrete subject, parsed into its kind and ids. */
export type ParsedSubject =
  | {
      readonly kind: 'service';
      readonly endpoint: ServiceEndpoint;
      /** The balancer shard addressed (`svc.balance.<shard>`). */
      readonly shard?: number;
    }
  | {
      readonly kind: 'agent';
      readonly instanceId: string;
      readonly verb: AgentVerb;
      /** The sending agent of a `kv` hand-off. */
      readonly fromInstanceId?: string;
    }
  | {
      readonly kind: 'stream';
      readonly gatewayId: string;
      readonly requestId: string;
      /** The publishing agent; absent in a stream address (as dispatched). */
      readonly instanceId?: string;
    }
  | { readonly kind: 'placements'; readonly balancerId: string }
  | { readonly kind: 'decisions'; readonly balancerId: string }
  | { readonly kind: 'cancel'; readonly gatewayId: string };

function includes<T extends string>(list: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (list as readonly string[]).includes(value);
}

/** Parses a concrete subject. Never throws: unknown shapes and bad ids give `unknown_subject`. */
export function parseSubject(subject: string): Result<ParsedSubject, AdagenError> {
  const fail = (why: string) =>
    err(new AdagenError('unknown_subject', `${JSON.stringify(subject.slice(0, 300))}: ${why}`));
  const tokens = subject.split('.');
  if (tokens[0] !== 'adagen' || tokens[1] !== 'v1')
    return fail(`expected prefix ${SUBJECT_PREFIX}`);
  const [family, a, b, c] = [tokens[2], tokens[3], tokens[4], tokens[5]];
  const idsOk = (...ids: (string | undefined)[]) =>
    ids.every((id) => id !== undefined && idProblem(id) === undefined);
  switch (family) {
    case 'svc':
      if (tokens.length === 4 && includes(SERVICE_ENDPOINTS, a))
        return ok({ kind: 'service', endpoint: a });
      if (tokens.length === 5 && a === 'balance' && b !== undefined && /^(0|[1-9]\d{0,2})$/.test(b))
        if (Number(b) <= MAX_SHARD) return ok({ kind: 'service', endpoint: a, shard: Number(b) });
      return fail(
        `expected ${SUBJECT_PREFIX}.svc.<${SERVICE_ENDPOINTS.join('|')}> or ${SUBJECT_PREFIX}.svc.balance.<shard 0..${MAX_SHARD}>`,
      );
    case 'agent':
      if (b === 'kv') {
        if (tokens.length === 6 && a !== undefined && c !== undefined && idsOk(a, c))
          return ok({ kind: 'agent', instanceId: a, verb: b, fromInstanceId: c });
        return fail(`expected ${SUBJECT_PREFIX}.agent.<instanceId>.kv.<fromInstanceId>`);
      }
      if (tokens.length === 5 && a !== undefined && idsOk(a) && includes(AGENT_VERBS, b))
        return ok({ kind: 'agent', instanceId: a, verb: b });
      return fail(`expected ${SUBJECT_PREFIX}.agent.<instanceId>.<${AGENT_VERBS.join('|')}>`);
    case 'stream':
      if (tokens.length === 5 && a !== undefined && b !== undefined && idsOk(a, b))
        return ok({ kind: 'stream', gatewayId: a, requestId: b });
      if (tokens.length === 6 && a !== undefined && b !== undefined && c !== undefined)
        if (idsOk(a, b, c))
          return ok({ kind: 'stream', gatewayId: a, requestId: b, instanceId: c });
      return fail(`expected ${SUBJECT_PREFIX}.stream.<gatewayId>.<requestId>[.<instanceId>]`);
    case 'placements':
      if (tokens.length === 4 && a !== undefined && idsOk(a))
        return ok({ kind: 'placements', balancerId: a });
      return fail(`expected ${SUBJECT_PREFIX}.placements.<balancerId>`);
    case 'decisions':
      if (tokens.length === 4 && a !== undefined && idsOk(a))
        return ok({ kind: 'decisions', balancerId: a });
      return fail(`expected ${SUBJECT_PREFIX}.decisions.<balancerId>`);
    case 'cancel':
      if (tokens.length === 4 && a !== undefined && idsOk(a))
        return ok({ kind: 'cancel', gatewayId: a });
      return fail(`expected ${SUBJECT_PREFIX}.cancel.<gatewayId>`);
    case undefined:
    default:
      return fail('expected family svc, agent, stream, placements, decisions or cancel');
  }
}

/**
 * Whether a message's body names the sender its subject names: a stream message
 * (`stream.<gw>.<request>.<instance>`) must carry that request and instance, a KV hand-off
 * (`agent.<to>.kv.<from>`) that sender. NATS permissions let an agent publish only under its own
 * id, so a body that claims another is forged or broken.
 */
export function bodyMatchesSubject(
  subject: string,
  body:
    | { readonly instanceId: string; readonly requestId: string }
    | { readonly fromInstanceId: string },
): boolean {
  if ('fromInstanceId' in body) {
    const parsed = parseSubject(subject);
    if (!parsed.ok) return false;
    const s = parsed.value;
    return s.kind === 'agent' && s.verb === 'kv' && s.fromInstanceId === body.fromInstanceId;
  }
  // The stream case runs once per token chunk: compared as text, not parsed (the same answer:
  // `stream.<gatewayId>.<requestId>.<instanceId>` with three valid ids, the last two the body's).
  const { requestId, instanceId } = body;
  if (!subject.startsWith(STREAM_PREFIX)) return false;
  const end = subject.length - requestId.length - instanceId.length - 2;
  return (
    end > STREAM_PREFIX.length &&
    subject.charCodeAt(end) === DOT &&
    subject.startsWith(requestId, end + 1) &&
    subject.charCodeAt(end + 1 + requestId.length) === DOT &&
    subject.endsWith(instanceId) &&
    isValidId(requestId) &&
    isValidId(instanceId) &&
    isValidId(subject.slice(STREAM_PREFIX.length, end))
  );
}
