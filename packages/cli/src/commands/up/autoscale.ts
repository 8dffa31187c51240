/**
 * `adagen up --autoscale MIN..MAX`: follows the recommender's `adagen_recommended_instances`
 * (read from its /metrics, as KEDA or an HPA would) with hysteresis (`@adagen/capacity`): starts
 * simulated agents to scale up, and scales down by draining — SIGTERM: the agent announces
 * `draining`, takes no new work, finishes every request it holds (its drain grace is set far
 * above the gateway's request timeout) and only then exits. Counts instance-seconds.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hysteresis } from '@adagen/capacity';
import { UsageError } from '../../args/usage-error.js';
import type { Child, ChildSpec } from './children.js';
import { gauge } from './children.js';
import { freePort } from './ports.js';

export interface AutoscaleRange {
  readonly min: number;
  readonly max: number;
}

/** `MIN..MAX`, 1 ≤ MIN ≤ MAX. */
export function parseRange(flag: string, text: string): AutoscaleRange {
  const m = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (m === null || !(min >= 1) || !(max >= min))
    throw new UsageError(flag, `expected MIN..MAX with 1 ≤ MIN ≤ MAX (e.g. 1..8), got "${text}"`);
  return { min, max };
}

/** Drain grace of autoscaled agents: far above any request's deadline, so none is dropped. */
export const AUTOSCALE_DRAIN_GRACE_MS = 600_000;

export interface AutoscalerOptions {
  readonly range: AutoscaleRange;
  /** The recommender's ops port. */
  readonly recommenderPort: number;
  /** Wall ms between decisions (the recommender's window). */
  readonly periodMs: number;
  /** The agents group of `adagen up` (mutated: started agents are added). */
  readonly agents: Child[];
  /** Agents drained on purpose (their exit is not a failure); shared with `adagen up`. */
  readonly retired: Set<Child>;
  /** Starts the agent of `spec` and resolves once it is ready. */
  readonly start: (spec: ChildSpec) => Promise<Child>;
  readonly say: (line: string) => void;
  /** Where each decision is appended as a JSON line. */
  readonly dir: string;
}

export class Autoscaler {
  private readonly lifetimes = new Map<Child, { fromMs: number; toMs?: number }>();
  private readonly hysteresis: Hysteresis;
  private readonly startedAtMs = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private nextIndex: number;

  constructor(private readonly o: AutoscalerOptions) {
    for (const c of o.agents) this.track(c);
    this.hysteresis = new Hysteresis(o.range, this.live().length);
    this.nextIndex = o.agents.length;
  }

  start(): void {
    this.timer = setInterval(() => void this.step(), this.o.periodMs);
  }

  /** Stops deciding; returns the instance-seconds used and the wall seconds elapsed. */
  stop(): { instanceSeconds: number; seconds: number } {
    if (this.timer !== undefined) clearInterval(this.timer);
    const now = Date.now();
    let total = 0;
    for (const { fromMs, toMs } of this.lifetimes.values()) total += (toMs ?? now) - fromMs;
    return { instanceSeconds: total / 1000, seconds: (now - this.startedAtMs) / 1000 };
  }

  private live(): Child[] {
    return this.o.agents.filter((c) => !this.o.retired.has(c) && c.process.exitCode === null);
  }

  private track(c: Child): void {
    const life: { fromMs: number; toMs?: number } = { fromMs: Date.now() };
    this.lifetimes.set(c, life);
    void c.exited.then(() => (life.toMs = Date.now()));
  }

  private async step(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const recommended = await gauge(this.o.recommenderPort, 'adagen_recommended_instances');
      if (recommended === undefined) return;
      const live = this.live();
      const target = this.hysteresis.next(recommended);
      const record = {
        t: (Date.now() - this.startedAtMs) / 1000,
        recommended,
        target,
        agents: live.length,
      };
      appendFileSync(join(this.o.dir, 'autoscale.jsonl'), `${JSON.stringify(record)}\n`);
      if (target > live.length) await this.scaleUp(target - live.length, recommended);
      else if (target < live.length) this.scaleDown(live, live.length - target, recommended);
    } catch (error) {
      this.o.say(`autoscale: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.busy = false;
    }
  }

  private async scaleUp(n: number, recommended: number): Promise<void> {
    const template = this.o.agents[0]!.spec;
    const started = await Promise.all(
      Array.from({ length: n }, async () => {
        const i = this.nextIndex++;
        const port = await freePort();
        const c = await this.o.start({
          ...template,
          label: `agent-${i}`,
          httpPort: port,
          env: {
            ...template.env,
            ADAGEN_INSTANCE_ID: `agent-${i}`,
            ADAGEN_HTTP_PORT: String(port),
          },
        });
        this.o.agents.push(c);
        this.track(c);
        return c.spec.label;
      }),
    );
    this.o.say(
      `autoscale: recommended ${recommended} → started ${started.join(', ')} (${this.live().length} agents)`,
    );
  }

  private scaleDown(live: Child[], n: number, recommended: number): void {
    // The newest first: they hold the least work.
    const victims = live.slice(-n);
    for (const c of victims) {
      this.o.retired.add(c);
      c.process.kill('SIGTERM');
    }
    this.o.say(
      `autoscale: recommended ${recommended} → draining ${victims.map((c) => c.spec.label).join(', ')} (${this.live().length} agents; each finishes what it holds)`,
    );
  }
}
