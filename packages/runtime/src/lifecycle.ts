import { AdagenError } from '@adagen/protocol';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export const LIFECYCLE_STATES = ['starting', 'ready', 'draining', 'stopped'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export interface LifecycleOptions {
  /**
   * How long in-flight work may run after `stop()` before it is aborted.
   * @default 10000
   */
  readonly graceMs?: number;
  readonly logger?: Logger;
}

/** A unit of in-flight work, aborted (with an `unavailable` error) when grace runs out. */
export interface InFlight {
  /** Aborts when grace runs out; made on first use (most work never reads it). */
  readonly signal: AbortSignal;
  /** Calls `fn` once if grace runs out before `end()` (a plain callback: no signal is made). */
  onAbort(fn: (reason: AdagenError) => void): void;
  end(): void;
}

/** One unit of work; its AbortController exists only once someone asked for its signal. */
class Work implements InFlight {
  private controller: AbortController | undefined;
  private abortFn: ((reason: AdagenError) => void) | undefined;
  private reason: AdagenError | undefined;

  constructor(private readonly ended: (work: Work) => void) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  onAbort(fn: (reason: AdagenError) => void): void {
    if (this.reason !== undefined) fn(this.reason);
    else this.abortFn = fn;
  }

  abort(reason: AdagenError): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    const fn = this.abortFn;
    this.abortFn = undefined;
    fn?.(reason);
    this.controller?.abort(reason);
  }

  end(): void {
    this.abortFn = undefined;
    this.ended(this);
  }
}

type StopHook = { readonly name: string; readonly run: () => Promise<void> | void };

/**
 * The explicit lifecycle of a service: starting → ready → draining → stopped.
 * While draining, `begin()` refuses new work; `stop()` waits up to `graceMs` for in-flight work,
 * aborts what is left, then runs the stop hooks in reverse order of registration (the last
 * resource opened is closed first: service endpoints before the NATS connection).
 */
export class Lifecycle {
  readonly graceMs: number;
  private current: LifecycleState = 'starting';
  private readonly inFlight = new Set<Work>();
  private readonly hooks: StopHook[] = [];
  private readonly listeners: ((state: LifecycleState) => void)[] = [];
  private readonly logger: Logger;
  private idle: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private resolveStopped: () => void = () => undefined;
  /** Resolves once `stop()` has finished. */
  readonly stopped: Promise<void>;

  constructor(options: LifecycleOptions = {}) {
    this.graceMs = options.graceMs ?? 10_000;
    this.logger = options.logger ?? silentLogger();
    this.stopped = new Promise<void>((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  get state(): LifecycleState {
    return this.current;
  }

  /** True while new work is accepted. */
  get accepting(): boolean {
    return this.current === 'ready';
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onStateChange(listener: (state: LifecycleState) => void): void {
    this.listeners.push(listener);
  }

  /** starting → ready. Throws if the service is not starting. */
  markReady(): void {
    if (this.current !== 'starting')
      throw new AdagenError('internal', `cannot become ready from state ${this.current}`);
    this.transition('ready');
  }

  /** Registers a resource to close on stop (run last-registered first). */
  onStop(name: string, run: () => Promise<void> | void): void {
    this.hooks.push({ name, run });
  }

  /** Starts tracking one unit of work; undefined when not accepting (answer `unavailable`). */
  begin(): InFlight | undefined {
    if (!this.accepting) return undefined;
    const work = new Work(this.onEnd);
    this.inFlight.add(work);
    return work;
  }

  private readonly onEnd = (work: Work): void => {
    if (this.inFlight.delete(work) && this.inFlight.size === 0) this.idle?.();
  };

  /** Drains and stops. Idempotent: every call returns the same promise. Never rejects. */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopping ??= this.runStop(reason);
    return this.stopping;
  }

  private async runStop(reason: string): Promise<void> {
    this.logger.info({ reason, inFlight: this.inFlight.size, graceMs: this.graceMs }, 'draining');
    this.transition('draining');
    const drained = await this.waitIdle();
    if (!drained) {
      this.logger.warn(
        { aborted: this.inFlight.size },
        'grace period over; aborting in-flight work',
      );
      const error = new AdagenError('unavailable', 'service stopped before the request finished');
      for (const work of [...this.inFlight]) work.abort(error);
      this.inFlight.clear();
    }
    for (const hook of [...this.hooks].reverse()) {
      try {
        await hook.run();
      } catch (error) {
        this.logger.error({ err: error, hook: hook.name }, 'stop hook failed');
      }
    }
    this.transition('stopped');
    this.logger.info('stopped');
    this.resolveStopped();
  }

  private waitIdle(): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.graceMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  private transition(next: LifecycleState): void {
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
