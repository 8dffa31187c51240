/**
 * The simulator's configuration: validated once with zod (errors name the field), defaults
 * filled, frozen. Objects that cannot be described as data (a workload, a policy factory, a
 * latency profile object) are checked for shape and passed through.
 */
import type { EngineConfigInput, LatencyProfile } from '@adagen/engine';
import type { Policy, SloSpec } from '@adagen/scheduler';
import { ADMISSION_MODES, DEFAULT_ADMISSION, defaultSloSpec } from '@adagen/scheduler';
import { FieldError, firstIssue } from '@adagen/stats';
import type { Workload } from '@adagen/workloads';
import { z } from 'zod';

/** What a policy factory gets: enough to build estimators against the same physics. */
export interface PolicyContext {
  seed: number;
  slo: SloSpec;
  instances: ReadonlyArray<{ id: string; profile: LatencyProfile; engine: EngineConfigInput }>;
  /** The simulated decision + dispatch delay. */
  controlDelayMs: number;
  /** The period of the instances' snapshots (the view's staleness bound). */
  snapshotIntervalMs: number;
  /** The KV link preset distributed plans use. */
  kvLink: string;
  /** Profiles the views name that are not in `instances` (calibrated ones, with `calibrate`). */
  profileFor?: (name: string) => LatencyProfile | undefined;
  /** The profile relative SLO targets are defined against (the reference instance's, true). */
  sloReference?: LatencyProfile;
}

export type PolicyFactory = (context: PolicyContext) => Policy;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const profileRef = z.union([
  z.string().min(1),
  z.custom<LatencyProfile>((v) => isObject(v) && typeof v.name === 'string', {
    message: 'expected a profile name or a validated latency profile',
  }),
]);

const engineKnobs = z.record(z.string(), z.unknown()) as z.ZodType<EngineConfigInput>;

const instanceSpec = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'ids may hold A-Z a-z 0-9 - _ only')
      .optional(),
    profile: profileRef,
    engine: engineKnobs.optional(),
  })
  .strict();

const sloTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('absolute'), ms: z.number().positive() }).strict(),
  z
    .object({
      kind: z.literal('scale'),
      factor: z.number().positive(),
      floorMs: z.number().nonnegative(),
    })
    .strict(),
]);

const admissionSchema = z
  .object({
    /** `none`, `slo`, `strict` or `saturation` (see `admission` in `@adagen/scheduler`). */
    mode: z.enum(ADMISSION_MODES),
    /** `slo`/`strict`: refuse past this many times the TTFT target. @default 4 */
    slack: z.number().positive().default(DEFAULT_ADMISSION.slack),
    /** `slo`/`strict`: refuse when every instance queues this many requests. @default 256 */
    maxQueue: z.number().int().positive().default(DEFAULT_ADMISSION.maxQueue),
    /** `saturation`: llm-d's thresholds. @default queue 5, KV 0.8 */
    saturation: z
      .object({
        queueDepth: z.number().int().positive(),
        kvUtilization: z.number().gt(0).lte(1),
      })
      .strict()
      .default(DEFAULT_ADMISSION.saturation),
  })
  .strict();

/**
 * The client's deadline for the first token: a request without it by arrival + deadline is
 * abandoned (cancelled on every instance holding it, counted as a miss).
 */
const deadlineSchema = z.union([
  z.literal('off'),
  /** max(`factor` × the request's TTFT target, `floorMs`) */
  z
    .object({
      kind: z.literal('slo'),
      factor: z.number().positive(),
      floorMs: z.number().nonnegative(),
    })
    .strict(),
  z.object({ kind: z.literal('fixed'), ms: z.number().positive() }).strict(),
]);
export type DeadlineSpec = z.output<typeof deadlineSchema>;

/** The default client deadline: max(10 × TTFT target, 30 s). */
export const DEFAULT_DEADLINE: DeadlineSpec = Object.freeze({
  kind: 'slo',
  factor: 10,
  floorMs: 30_000,
});

/** A request's deadline (ms after arrival) under `spec`; Infinity when off. */
export function deadlineMsOf(spec: DeadlineSpec, ttftTargetMs: number): number {
  if (spec === 'off') return Number.POSITIVE_INFINITY;
  if (spec.kind === 'fixed') return spec.ms;
  return Math.max(spec.factor * ttftTargetMs, spec.floorMs);
}

export const SimConfigSchema = z
  .object({
    /** `count` identical instances, or an explicit list. */
    instances: z.union([
      z
        .object({
          count: z.number().int().min(1).max(100_000),
          profile: profileRef,
          engine: engineKnobs.optional(),
        })
        .strict(),
      z.array(instanceSpec).min(1),
    ]),
    /** A baseline policy name (`createPolicy`) or a factory. */
    policy: z.union([
      z.string().min(1),
      z.custom<PolicyFactory>((v) => typeof v === 'function', {
        message: 'expected a policy name or a factory function',
      }),
    ]),
    workload: z.custom<Workload>(
      (v) => isObject(v) && typeof v.name === 'string' && Array.isArray(v.requests),
      { message: 'expected a workload { name, requests[], notes[] }' },
    ),
    /** Period Δ of each instance's state snapshot (staggered across instances). @default 100 */
    snapshotIntervalMs: z.number().positive().default(100),
    /**
     * Balancer replicas, each with its own policy and view: an arrival goes to one at random (as
     * a NATS queue group's member), which sees the others' placements only in the instances'
     * snapshots. @default 1
     */
    balancers: z.number().int().min(1).max(256).default(1),
    /**
     * The replicas split the instances, each a balancer shard (the live balancer's `shards`):
     * replica k sees and places on only the instances i with i mod `balancers` = k (with fewer
     * instances than replicas, also instance k mod their count). @default false
     */
    sharded: z.boolean().default(false),
    /**
     * Sharded only: a shard whose policy predicts a miss on every one of its instances (AdaGen's
     * `hopeless`) hands the request to one other shard at random, which takes it if it predicts
     * a hit there; else the first shard places it (as the live balancer's `shardSpill`; offers
     * mostly declined are held back by the same `OfferGate`). The hand-over hop is not charged (a NATS hop
     * is ~0.5 ms against the 2 ms control delay). Policies that predict nothing never spill.
     * @default false
     */
    shardSpill: z.boolean().default(false),
    /** Decision + dispatch delay between arrival and reaching the instance(s). @default 2 */
    controlDelayMs: z.number().nonnegative().default(2),
    /** KV link preset for distributed plans (the engine's `LinkPresets`). @default 'rdma-400g' */
    kvLink: z.string().min(1).default('rdma-400g'),
    /** @default 5× idle TTFT (floor 250 ms), 5× idle TPOT (floor 50 ms), no TBT p99 target */
    slo: z
      .object({ ttft: sloTarget, tpot: sloTarget, tbt: sloTarget.optional() })
      .strict()
      .default(defaultSloSpec),
    /** @default 0 */
    seed: z.number().int().default(0),
    /** Log-normal σ of per-iteration latency noise (0 = deterministic physics). @default 0 */
    jitterSigma: z.number().nonnegative().default(0),
    /**
     * Model error: the profile policies are told every instance runs (their estimators predict
     * with it), instead of each instance's own. @default each instance's own profile
     */
    estimatorProfile: profileRef.optional(),
    /**
     * Each instance calibrates the profile policies predict it with online from its own
     * iterations (the engine's `OnlineCalibrator`, started from the believed profile, as live
     * agents do) and announces the result in its snapshots. @default false
     */
    calibrate: z.boolean().default(false),
    /** Admission control in front of the policy (the same layer for every policy). @default none */
    admission: admissionSchema.default({ ...DEFAULT_ADMISSION, mode: 'none' }),
    /** Client deadline for the first token. @default max(10 × TTFT target, 30 s) */
    deadline: deadlineSchema.default(DEFAULT_DEADLINE),
    /** Stop at this virtual time (unfinished requests miss their SLO); default: run to drain. */
    horizonMs: z.number().positive().optional(),
  })
  .strict()
  .refine((c) => !c.shardSpill || c.sharded, {
    error: 'expected sharded: true with shardSpill (only shards hand requests to each other)',
    path: ['shardSpill'],
  });

export type SimConfigInput = z.input<typeof SimConfigSchema>;
export type SimConfig = z.output<typeof SimConfigSchema>;

export class SimConfigError extends FieldError {
  override readonly name = 'SimConfigError';
  readonly code = 'invalid-sim-config' as const;
}

/** Validates and fills defaults. @throws SimConfigError naming the first bad field. */
export function parseSimConfig(input: SimConfigInput): SimConfig {
  const parsed = SimConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { field, why } = firstIssue(parsed.error.issues);
  throw new SimConfigError(field, `invalid simulation config: ${field}: ${why}`, {
    cause: parsed.error,
  });
}
