import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findNatsServerBinary } from './binary.js';
import {
  NATS_IMAGE_HINT,
  containerLauncher,
  prepareTestcontainersEnv,
  natsImage,
} from './container.js';
import { binaryLauncher } from './launcher.js';
import type { NatsLauncher } from './launcher.js';

export type NatsMode = 'binary' | 'container';

/** How long the container-runtime probe may take before binary mode is used. */
const PROBE_TIMEOUT_MS = 5000;

/** Signs that a container runtime may be configured; without any, no probe is made (fast path). */
function runtimeHints(env: NodeJS.ProcessEnv): string[] {
  const candidates = [
    env.DOCKER_HOST,
    env.TESTCONTAINERS_HOST_OVERRIDE,
    env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE,
    '/var/run/docker.sock',
    join(homedir(), '.testcontainers.properties'),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    env.XDG_RUNTIME_DIR === undefined ? undefined : join(env.XDG_RUNTIME_DIR, 'docker.sock'),
    env.XDG_RUNTIME_DIR === undefined
      ? undefined
      : join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'),
  ];
  return candidates.filter(
    (c): c is string => c !== undefined && c !== '' && (c.includes('://') || existsSync(c)),
  );
}

/** Why containers cannot be used (no runtime answering, or the image missing), or undefined. */
async function probeContainerRuntime(image: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    prepareTestcontainersEnv();
    const { ImageName, getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    if (!(await client.image.exists(ImageName.fromString(image))))
      return `image ${image} is not present (build it: ${NATS_IMAGE_HINT})`;
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `container runtime unreachable: ${message}`;
  } finally {
    clearTimeout(timer);
  }
}

export interface ModeDecision {
  readonly mode: NatsMode;
  /** Why binary mode was used although containers were hinted at. */
  readonly fallbackReason?: string;
}

let decided: Promise<ModeDecision> | undefined;

/** The mode for this process (decided once, from `process.env`); see {@link resolveMode}. */
export function decideMode(): Promise<ModeDecision> {
  decided ??= resolveMode(process.env);
  return decided;
}

/**
 * `ADAGEN_NATS_MODE=binary` → binary. `container` → container, and an error naming the problem
 * when the runtime does not answer or the image is missing (so a CI that asked for containers
 * never passes on the binary unnoticed). `auto` (the default) → container when a runtime answers
 * and has the image, else binary with the reason.
 */
export async function resolveMode(env: NodeJS.ProcessEnv): Promise<ModeDecision> {
  const asked = env.ADAGEN_NATS_MODE ?? 'auto';
  if (asked === 'binary') return { mode: 'binary' };
  if (asked !== 'container' && asked !== 'auto')
    return { mode: 'binary', fallbackReason: `unknown ADAGEN_NATS_MODE=${asked}` };
  if (asked === 'auto' && runtimeHints(env).length === 0) return { mode: 'binary' };
  const problem = await probeContainerRuntime(natsImage(env));
  if (problem === undefined) return { mode: 'container' };
  if (asked === 'container')
    throw new Error(
      `ADAGEN_NATS_MODE=container, but ${problem} (unset it, or set binary, to use the binary)`,
    );
  return { mode: 'binary', fallbackReason: problem };
}

/** How servers are started in the decided mode. */
export function launcherFor(decision: ModeDecision): NatsLauncher {
  return decision.mode === 'container'
    ? containerLauncher(natsImage())
    : binaryLauncher(findNatsServerBinary());
}
