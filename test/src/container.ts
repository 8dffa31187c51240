/**
 * Container mode: nats-server in a container started through testcontainers, on host networking
 * (so it listens on the loopback ports the harness picked, exactly like the binary), reading the
 * generated config from the server's work dir, which is bind-mounted at the same path (and the
 * rest of the temp dir read-only, for certificate and key files the tests write there).
 *
 * The harness removes its own containers (when stopped, killed or exited, at worker exit, and
 * orphans of dead test processes by label), so testcontainers' Ryuk sidecar — whose image would
 * have to be pulled — is off unless `TESTCONTAINERS_RYUK_DISABLED` says otherwise.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { LaunchedNats, NatsLauncher } from './launcher.js';
import { notice } from './report.js';

/** The image `bash infra/images/build.sh nats` builds (FROM scratch: nats-server, libc). */
export const DEFAULT_NATS_IMAGE = 'adagen/nats-server:local';
/** Command to build it. */
export const NATS_IMAGE_HINT = 'bash infra/images/build.sh nats';

const OWNER_LABEL = 'org.adagen.testkit.owner';
const DIR_LABEL = 'org.adagen.testkit.dir';

/** `$ADAGEN_NATS_IMAGE`, else the locally built image. */
export function natsImage(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.ADAGEN_NATS_IMAGE;
  return given === undefined || given === '' ? DEFAULT_NATS_IMAGE : given;
}

/**
 * Called before testcontainers is first used: Ryuk off unless asked for, and the host the
 * containers are reached at is the loopback (host networking) unless given — without it,
 * testcontainers running inside a container looks for the daemon's `bridge` network, which a
 * daemon started with `--bridge=none` (infra/ensure-docker.sh) does not have.
 */
export function prepareTestcontainersEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}

const live = new Set<string>();
let exitHookInstalled = false;

/** Best effort at worker exit (no await possible there): `docker rm -f` what is still running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    if (live.size > 0) spawnSync('docker', ['rm', '-f', ...live], { stdio: 'ignore' });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let reaped: Promise<void> | undefined;

/** Removes containers whose test process died without cleaning up (once per process). */
function reapOrphanContainers(): Promise<void> {
  reaped ??= (async () => {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const docker = (await getContainerRuntimeClient()).container.dockerode;
    const found = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
    for (const info of found) {
      const owner = Number.parseInt(info.Labels[OWNER_LABEL] ?? '', 10);
      if (!Number.isSafeInteger(owner) || alive(owner)) continue;
      await docker.getContainer(info.Id).remove({ force: true });
      notice(
        `removed orphaned nats-server container ${info.Id.slice(0, 12)} (its test process ${owner} is gone); logs: ${info.Labels[DIR_LABEL] ?? '?'}`,
      );
    }
  })().catch(() => undefined);
  return reaped;
}

/** Errors docker answers when a container is already stopped or gone. */
function ignoreGone(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== 304 && status !== 404 && status !== 409) throw error;
}

/** Starts each server as a container of `image`, logging to the work dir (`-l`). */
export function containerLauncher(image: string): NatsLauncher {
  return {
    mode: 'container',
    what: image,
    async launch(spec): Promise<LaunchedNats> {
      prepareTestcontainersEnv();
      const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
      await reapOrphanContainers();
      const started = await new GenericContainer(image)
        .withNetworkMode('host')
        .withBindMounts([
          { source: tmpdir(), target: tmpdir(), mode: 'ro' },
          { source: spec.dir, target: spec.dir, mode: 'rw' },
        ])
        .withLabels({ [OWNER_LABEL]: String(process.pid), [DIR_LABEL]: spec.dir })
        .withCommand(['-c', spec.configFile, '-l', spec.logFile, ...spec.args])
        .start();
      const id = started.getId();
      installExitHook();
      live.add(id);
      const container = (await getContainerRuntimeClient()).container.getById(id);
      let running = true;
      const exited = (async () => {
        try {
          await container.wait();
        } finally {
          running = false;
          live.delete(id);
          await container.remove({ force: true }).catch(ignoreGone);
        }
      })();
      return {
        exited,
        running: () => running,
        kill: async () => {
          await container.kill({ signal: 'SIGKILL' }).catch(ignoreGone);
          await exited;
        },
        stop: async (graceMs) => {
          await container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) }).catch(ignoreGone);
          await exited;
        },
      };
    },
  };
}
