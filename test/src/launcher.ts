/**
 * How a nats-server is run: as a child process of the test (binary mode) or in a container started
 * through testcontainers (container mode). Either way it reads the same generated config file,
 * listens on the same loopback ports (containers use host networking) and logs to the same file,
 * so single servers and clusters, kills and restarts behave alike in both modes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import type { NatsMode } from './mode.js';

export interface LaunchSpec {
  /** The server's work dir (config, log, JetStream store). */
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly args: readonly string[];
}

/** One running server, whichever way it was started. */
export interface LaunchedNats {
  /** Resolves when the server has exited (asked to or not). */
  readonly exited: Promise<void>;
  /** True until the server has exited. */
  running(): boolean;
  /** The host pid, when the server is a child process (for orphan reaping). */
  readonly pid?: number;
  /** SIGKILL, as a crash would; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM; SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs: number): Promise<void>;
}

export interface NatsLauncher {
  readonly mode: NatsMode;
  /** What runs the server, for notices: the binary's path or the image. */
  readonly what: string;
  launch(spec: LaunchSpec): Promise<LaunchedNats>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill servers a crashed test left behind when the worker exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Runs `bin -c <config>` as a child process; stdout and stderr go to the log file. */
export function binaryLauncher(bin: string): NatsLauncher {
  return {
    mode: 'binary',
    what: bin,
    launch(spec) {
      const fd = openSync(spec.logFile, 'a');
      const child = spawn(bin, ['-c', spec.configFile, ...spec.args], {
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      installExitHook();
      live.add(child);
      const exited = once(child, 'exit').then(() => {
        live.delete(child);
      });
      const running = () => child.exitCode === null && child.signalCode === null;
      const kill = async () => {
        if (running()) child.kill('SIGKILL');
        await exited;
      };
      return Promise.resolve({
        exited,
        running,
        ...(child.pid === undefined ? {} : { pid: child.pid }),
        kill,
        stop: async (graceMs) => {
          if (running()) child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        },
      });
    },
  };
}
