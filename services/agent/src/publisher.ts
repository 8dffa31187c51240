/**
 * Publishes the agent's state: periodically, and (throttled) when its requests change. In
 * `delta` mode a state goes out as the change since the previous one (`diffState`), and in full
 * every `fullEveryMs`, on any change of profile, engine settings, capabilities or calibration,
 * and whenever the change is not expressible as a delta — so a subscriber that missed a message
 * is back in step within `fullEveryMs`.
 */
import { calibrationOf, diffState, stateOf } from '@adagen/fleet';
import type { Agent, FleetClock } from '@adagen/fleet';
import {
  agentAnnounceSchema,
  createCodec,
  instanceStateDeltaSchema,
  instanceStateSchema,
  subjects,
} from '@adagen/protocol';
import type { AgentAnnounce, InstanceState, LatencyCalibration } from '@adagen/protocol';
import type { NatsConnection } from '@nats-io/nats-core';

const stateCodec = createCodec(instanceStateSchema, { validateOnEncode: false });
const deltaCodec = createCodec(instanceStateDeltaSchema, { validateOnEncode: false });
const announceCodec = createCodec(agentAnnounceSchema);

/** How states go out: as deltas with a periodic full state, or always in full. */
export type StateMode = 'delta' | 'full';

export interface StatePublisherOptions {
  readonly nc: NatsConnection;
  readonly agent: Agent;
  readonly clock: FleetClock;
  readonly periodMs: number;
  readonly minGapMs: number;
  /**
   * A new calibrated profile goes out at most this often (fleet ms), and only once the fit has
   * `calibrationMinObservations` iterations: each one makes the deciders rebuild their policy.
   */
  readonly calibrationEveryMs?: number;
  readonly calibrationMinObservations?: number;
  /** @default 'delta' */
  readonly mode?: StateMode;
  /**
   * In `delta` mode, a full state at least this often (fleet ms): the longest a subscriber that
   * missed a delta places on this agent's last state it could build.
   * @default 10 periods
   */
  readonly fullEveryMs?: number;
  /**
   * Publish on the fleet clock's grid — periodic states at multiples of `periodMs`, states on
   * change at the next multiple of `minGapMs` — so the fleet's agents publish together and each
   * subscriber wakes once per burst (see `start`). `false`: each agent at its own random phase,
   * a state on change as soon as `minGapMs` has passed since the last.
   * @default true
   */
  readonly inStep?: boolean;
}

/** What went out, by kind (for benchmarks and metrics). */
export interface StatePublished {
  full: number;
  delta: number;
  fullBytes: number;
  deltaBytes: number;
}

export class StatePublisher {
  private seq = 0;
  private lastMs = Number.NEGATIVE_INFINITY;
  /** The snapshot `changed` asked for, not yet sent: cancels it. */
  private pending: (() => void) | undefined;
  private periodic: ReturnType<typeof setTimeout> | undefined;
  private calibration: LatencyCalibration | undefined;
  private calibratedAtMs = Number.NEGATIVE_INFINITY;
  private last: InstanceState | undefined;
  private lastFullMs = Number.NEGATIVE_INFINITY;
  status: 'ready' | 'draining' = 'ready';
  readonly published: StatePublished = { full: 0, delta: 0, fullBytes: 0, deltaBytes: 0 };

  constructor(private readonly o: StatePublisherOptions) {}

  /**
   * Starts the periodic snapshots. In step (the default) they go out at multiples of `periodMs`
   * on the fleet clock, which every agent of a fleet shares, so the agents' states reach each
   * subscriber as one burst every period: it wakes once per burst, not once per agent, and a
   * wake-up is most of what a small message costs a Node process here (docs/PERFORMANCE.md,
   * "Agents' states in step"). Otherwise at a random phase per agent.
   */
  start(): void {
    const inStep = this.o.inStep ?? true;
    const tick = () => {
      // Unless a state on change has just gone out on this point of the grid.
      if (this.o.clock.nowMs() - this.lastMs >= Math.min(this.o.minGapMs, this.o.periodMs) / 2)
        this.publish();
      this.periodic = setTimeout(tick, this.o.clock.wallDelayMs(this.nextPeriodicMs(inStep)));
    };
    const firstMs = inStep ? this.nextPeriodicMs(true) : Math.random() * this.o.periodMs;
    this.periodic = setTimeout(tick, this.o.clock.wallDelayMs(firstMs));
  }

  /**
   * Fleet ms to the next periodic state. In step: the multiple of `periodMs` next after half a
   * period from now — a timer may fire up to a millisecond early (libuv counts from the loop's
   * cached time), and the tick must not then schedule the next at the point it has just served.
   */
  private nextPeriodicMs(inStep: boolean): number {
    if (!inStep) return this.o.periodMs;
    const now = this.o.clock.nowMs();
    return Math.floor(now / this.o.periodMs + 1.5) * this.o.periodMs - now;
  }

  /**
   * A snapshot soon: once `minGapMs` has passed since the last one — in step, at the first
   * multiple of `minGapMs` on the fleet clock from then — and never inside the caller's turn: a
   * dispatch's ack or a token goes out before the state that records it (the state costs a diff
   * and an encode, which the request path should not wait for).
   */
  changed(): void {
    if (this.pending !== undefined) return;
    const run = () => {
      this.pending = undefined;
      this.publish();
    };
    const now = this.o.clock.nowMs();
    const gap = this.o.minGapMs;
    const earliest = Math.max(now, this.lastMs + gap);
    const waitMs =
      (this.o.inStep ?? true) && gap > 0 ? Math.ceil(earliest / gap) * gap - now : earliest - now;
    if (waitMs <= 0) {
      const i = setImmediate(run);
      this.pending = () => clearImmediate(i);
    } else {
      const t = setTimeout(run, this.o.clock.wallDelayMs(waitMs));
      this.pending = () => clearTimeout(t);
    }
  }

  publish(): void {
    this.pending?.();
    this.pending = undefined;
    if (this.o.nc.isClosed()) return;
    this.lastMs = this.o.clock.nowMs();
    const state = stateOf(this.o.agent.snapshot(), {
      seq: this.seq++,
      status: this.status,
      engine: this.o.agent.backend.kind,
      capabilities: this.o.agent.capabilities,
      ...this.calibrated(),
    });
    this.o.nc.publish(subjects.state(this.o.agent.id), this.encode(state));
  }

  /** The state as a delta from the last one sent, or in full (see the class comment). */
  private encode(state: InstanceState): Uint8Array {
    const now = this.o.clock.nowMs();
    const prev = this.last;
    this.last = state;
    const fullEveryMs = this.o.fullEveryMs ?? 10 * this.o.periodMs;
    if (
      (this.o.mode ?? 'delta') === 'delta' &&
      prev !== undefined &&
      now - this.lastFullMs < fullEveryMs
    ) {
      const delta = diffState(prev, state);
      if (delta !== undefined) {
        const bytes = deltaCodec.encode(delta);
        this.published.delta += 1;
        this.published.deltaBytes += bytes.byteLength;
        return bytes;
      }
    }
    this.lastFullMs = now;
    const bytes = stateCodec.encode(state);
    this.published.full += 1;
    this.published.fullBytes += bytes.byteLength;
    return bytes;
  }

  /** The calibrated profile to send: the last one, refreshed at most every `calibrationEveryMs`. */
  private calibrated(): { calibration?: LatencyCalibration } {
    const cal = this.o.agent.calibrator;
    if (cal === undefined) return {};
    const now = this.o.clock.nowMs();
    const enough = cal.stats().windowObservations >= (this.o.calibrationMinObservations ?? 50);
    if (enough && now - this.calibratedAtMs >= (this.o.calibrationEveryMs ?? 5000)) {
      const next = calibrationOf(cal);
      if (next.version !== this.calibration?.version) {
        this.calibration = next;
        this.calibratedAtMs = now;
      }
    }
    return this.calibration === undefined ? {} : { calibration: this.calibration };
  }

  announce(status: AgentAnnounce['status'], profile: string): void {
    if (this.o.nc.isClosed()) return;
    const a: AgentAnnounce = {
      v: 1,
      type: 'agent_announce',
      instanceId: this.o.agent.id,
      status,
      profile,
      engine: this.o.agent.backend.kind,
      atMs: this.o.clock.nowMs(),
      statePeriodMs: this.o.periodMs,
      capabilities: this.o.agent.capabilities,
    };
    this.o.nc.publish(subjects.announce(this.o.agent.id), announceCodec.encode(a));
  }

  stop(): void {
    this.pending?.();
    this.pending = undefined;
    clearTimeout(this.periodic);
  }
}
