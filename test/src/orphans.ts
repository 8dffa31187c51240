import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notice } from './report.js';

/** Name of the file holding the pid of the test process that owns a work dir. */
export const OWNER_FILE = 'owner.pid';
/** Suffix of the files holding a nats-server's pid. */
export const SERVER_PID_SUFFIX = '.server-pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is a nats-server started with a config inside `dir` (not some reused pid). */
async function isOurServer(pid: number, dir: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('nats-server') && cmdline.includes(dir);
  } catch {
    return false;
  }
}

let reaped: Promise<void> | undefined;

/**
 * Kills nats-servers left behind by test processes that died (a timed-out or killed worker never
 * runs its cleanup). Runs once per process; their work dirs stay, as kept logs of a failed run.
 */
export function reapOrphans(): Promise<void> {
  reaped ??= (async () => {
    const root = tmpdir();
    const dirs = (await readdir(root)).filter((name) => name.startsWith('adagen-nats'));
    for (const name of dirs) {
      const dir = join(root, name);
      const owner = await readPid(join(dir, OWNER_FILE));
      if (owner === undefined || alive(owner)) continue;
      let files: string[];
      try {
        files = await readdir(dir);
      } catch {
        continue;
      }
      for (const file of files.filter((f) => f.endsWith(SERVER_PID_SUFFIX))) {
        const pid = await readPid(join(dir, file));
        if (pid === undefined || !(await isOurServer(pid, dir))) continue;
        process.kill(pid, 'SIGKILL');
        notice(
          `killed orphaned nats-server ${pid} (its test process ${owner} is gone); logs: ${dir}`,
        );
      }
    }
  })().catch(() => undefined);
  return reaped;
}
