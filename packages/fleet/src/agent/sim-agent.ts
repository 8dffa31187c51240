/** An agent whose engine is the simulated one (`SimBackend`): the default of `adagen up`. */
import type { EngineConfigInput, LatencyProfile, Link, SimInstance } from '@adagen/engine';
import { Agent } from './agent.js';
import type { AgentHost } from './host.js';
import { SimBackend } from './sim-backend.js';

export interface SimAgentOptions {
  readonly instanceId: string;
  /** The profile the simulated engine runs. */
  readonly profile: LatencyProfile;
  /** The profile it announces (estimators start from it), when another. @default profile */
  readonly announcedProfile?: LatencyProfile;
  /** Calibrate the announced profile online from the engine's iterations. @default false */
  readonly calibrate?: boolean;
  readonly engine?: EngineConfigInput;
  /** Link used for KV transfers to and from peers. */
  readonly link: Link;
  readonly host: AgentHost;
  /** Most fleet ms a late timer may be caught up by. @default 50 */
  readonly maxLagMs?: number;
  /** Token coalescing (see `AgentOptions`). */
  readonly flushWindowMs?: number;
  readonly maxChunkTokens?: number;
}

export class SimAgent extends Agent {
  constructor(options: SimAgentOptions) {
    const announced = options.announcedProfile ?? options.profile;
    super({
      instanceId: options.instanceId,
      host: options.host,
      backend: (sink) => new SimBackend({ ...options, announcedProfile: announced.name }, sink),
      ...(options.calibrate === true ? { calibrateFrom: announced } : {}),
      ...(options.flushWindowMs === undefined ? {} : { flushWindowMs: options.flushWindowMs }),
      ...(options.maxChunkTokens === undefined ? {} : { maxChunkTokens: options.maxChunkTokens }),
    });
  }

  /** The simulated engine. */
  get instance(): SimInstance {
    return (this.backend as SimBackend).instance;
  }
}
