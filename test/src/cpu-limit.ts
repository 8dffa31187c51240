/**
 * A CPU limit per process, the way a pod's CPU limit works: a cgroup of its own with a CFS quota
 * (cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`, or cgroup v2 `cpu.max`). For benchmarks
 * that emulate separate machines on one box. Needs root and a writable cpu controller;
 * `findCpuCgroups()` says why not when it cannot.
 */
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the cpu controller is mounted. */
export interface CpuCgroupRoot {
  readonly version: 1 | 2;
  readonly dir: string;
}

export type CpuCgroupsFound = CpuCgroupRoot | { readonly unavailable: string };

/** The CFS period every limit uses (µs): the kernel's default. */
export const CFS_PERIOD_US = 100_000;

/**
 * A group's weight against the processes outside any group, ten times a default process's
 * (v1 `cpu.shares` 10240 against 1024, v2 `cpu.weight` 1000 against 100): on a busy machine the
 * group still gets its quota, as a pod whose CPU request equals its limit does. The quota keeps
 * it from getting more.
 */
export const GUARANTEED_WEIGHT = { v1Shares: 10_240, v2Weight: 1000 } as const;

/**
 * The cpu controller's mount from `/proc/self/mounts` text: a cgroup v1 hierarchy with the `cpu`
 * option, else a cgroup v2 mount whose `cgroup.controllers` (read by `controllersOf`) lists
 * `cpu`. Pure, for tests.
 */
export function cpuControllerMount(
  mounts: string,
  controllersOf: (dir: string) => string | undefined,
): CpuCgroupsFound {
  const rows = mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length >= 4);
  for (const [, dir, type, options] of rows)
    if (type === 'cgroup' && options!.split(',').includes('cpu')) return { version: 1, dir: dir! };
  const v2 = rows.filter((f) => f[2] === 'cgroup2').map((f) => f[1]!);
  for (const dir of v2)
    if ((controllersOf(dir) ?? '').trim().split(/\s+/).includes('cpu')) return { version: 2, dir };
  if (v2.length > 0)
    return {
      unavailable: `no cgroup v1 cpu hierarchy, and the cgroup v2 mount${v2.length > 1 ? 's' : ''} ${v2.join(', ')} do${v2.length > 1 ? '' : 'es'} not offer the cpu controller`,
    };
  return { unavailable: 'no cgroup with the cpu controller is mounted' };
}

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** This machine's cpu controller, if this process may create groups in it. */
export function findCpuCgroups(): CpuCgroupsFound {
  const mounts = readOr('/proc/self/mounts');
  if (mounts === undefined)
    return { unavailable: '/proc/self/mounts is not readable (not Linux?)' };
  const found = cpuControllerMount(mounts, (dir) => readOr(join(dir, 'cgroup.controllers')));
  if ('unavailable' in found) return found;
  try {
    accessSync(found.dir, constants.W_OK);
  } catch (error) {
    const uid = process.getuid?.();
    return {
      unavailable: `${found.dir} (cgroup v${found.version}) is not writable${uid === 0 ? '' : ` (uid ${uid}, not root)`}: ${(error as Error).message}`,
    };
  }
  return found;
}

/** Throttling so far, from the group's `cpu.stat`. */
export interface CpuThrottling {
  readonly periods: number;
  readonly throttledPeriods: number;
  readonly throttledMs: number;
}

export interface CpuLimit {
  readonly path: string;
  readonly cores: number;
  /** Moves a process, every thread of it, into the group. */
  add(pid: number): void;
  throttling(): CpuThrottling;
  /** Moves any process still inside back to the root group and removes the group. Idempotent. */
  remove(): void;
}

/**
 * A new group `name` under the controller's root, limited to `cores` CPUs (a quota of
 * `cores` × the 100 ms period) and weighted to get them (`GUARANTEED_WEIGHT`). Throws with the file and the system's error when the kernel
 * refuses; a group made before the refusal is removed again.
 */
export function createCpuLimit(root: CpuCgroupRoot, name: string, cores: number): CpuLimit {
  if (!(Number.isFinite(cores) && cores > 0))
    throw new RangeError(`cores must be a finite number > 0, got ${cores}`);
  if (!/^[\w.-]+$/.test(name))
    throw new RangeError(`cgroup name must be letters, digits, '_', '.', '-', got '${name}'`);
  const quotaUs = Math.max(1000, Math.round(cores * CFS_PERIOD_US));
  const path = join(root.dir, name);
  const write = (file: string, value: string) => {
    try {
      writeFileSync(join(path, file), value);
    } catch (error) {
      throw new Error(
        `cannot write '${value}' to ${join(path, file)}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };
  if (root.version === 2) enableCpuController(root.dir);
  mkdirSync(path);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const pid of (readOr(join(path, 'cgroup.procs')) ?? '').split('\n').filter(Boolean)) {
      try {
        writeFileSync(join(root.dir, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile
      }
    }
    try {
      rmdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
  try {
    if (root.version === 1) {
      write('cpu.cfs_period_us', String(CFS_PERIOD_US));
      write('cpu.cfs_quota_us', String(quotaUs));
      write('cpu.shares', String(GUARANTEED_WEIGHT.v1Shares));
    } else {
      write('cpu.max', `${quotaUs} ${CFS_PERIOD_US}`);
      write('cpu.weight', String(GUARANTEED_WEIGHT.v2Weight));
    }
  } catch (error) {
    remove();
    throw error;
  }
  return {
    path,
    cores: quotaUs / CFS_PERIOD_US,
    add: (pid) => write('cgroup.procs', String(pid)),
    throttling: () => throttlingOf(root.version, readOr(join(path, 'cpu.stat')) ?? ''),
    remove,
  };
}

/** cgroup v2: a child gets a cpu limit only when its parent hands the controller down. */
function enableCpuController(dir: string): void {
  const file = join(dir, 'cgroup.subtree_control');
  if ((readOr(file) ?? '').split(/\s+/).includes('cpu')) return;
  try {
    writeFileSync(file, '+cpu');
  } catch (error) {
    throw new Error(`cannot enable the cpu controller in ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** `cpu.stat` of either version (v1 counts throttled time in ns, v2 in µs). Pure, for tests. */
export function throttlingOf(version: 1 | 2, text: string): CpuThrottling {
  const field = (key: string) => {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  return {
    periods: field('nr_periods'),
    throttledPeriods: field('nr_throttled'),
    throttledMs: version === 1 ? field('throttled_time') / 1e6 : field('throttled_usec') / 1e3,
  };
}
