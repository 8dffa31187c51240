import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

async function probeContainerRuntime(): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      );
    });
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export interface ModeDecision {
  readonly mode: NatsMode;
  /** Why binary mode was used although containers were asked for or hinted at. */
  readonly fallbackReason?: string;
}

let decided: Promise<ModeDecision> | undefined;

/** The mode for this process (decided once, from `process.env`); see {@link resolveMode}. */
export function decideMode(): Promise<ModeDecision> {
  decided ??= resolveMode(process.env);
  return decided;
}

/**
 * `ADAGEN_NATS_MODE=binary` → binary. `container`, or `auto` (the default) with a reachable
 * container runtime → container. Anything unreachable falls back to binary, with the reason.
 */
export async function resolveMode(env: NodeJS.ProcessEnv): Promise<ModeDecision> {
  const asked = env.ADAGEN_NATS_MODE ?? 'auto';
  if (asked === 'binary') return { mode: 'binary' };
  if (asked !== 'container' && asked !== 'auto')
    return { mode: 'binary', fallbackReason: `unknown ADAGEN_NATS_MODE=${asked}` };
  if (asked === 'auto' && runtimeHints(env).length === 0) return { mode: 'binary' };
  const problem = await probeContainerRuntime();
  if (problem === undefined) return { mode: 'container' };
  return { mode: 'binary', fallbackReason: `container runtime unreachable: ${problem}` };
}
