import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuControllerMount, createCpuLimit, findCpuCgroups, throttlingOf } from './cpu-limit.js';
import type { CpuLimit } from './cpu-limit.js';

const V1 = `sysfs /sys sysfs rw,nosuid 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`;

describe('cpuControllerMount', () => {
  it('finds the v1 hierarchy with the cpu option, not cpuacct', () => {
    expect(cpuControllerMount(V1, () => 'hugetlb')).toEqual({
      version: 1,
      dir: '/sys/fs/cgroup/cpu',
    });
  });

  it('finds a combined cpu,cpuacct v1 hierarchy', () => {
    const mounts = 'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0\n';
    expect(cpuControllerMount(mounts, () => undefined)).toEqual({
      version: 1,
      dir: '/sys/fs/cgroup/cpu,cpuacct',
    });
  });

  it('finds a v2 mount whose controllers list cpu', () => {
    const mounts = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nsdelegate 0 0\n';
    const asked: string[] = [];
    const found = cpuControllerMount(mounts, (dir) => {
      asked.push(dir);
      return 'cpuset cpu io memory pids\n';
    });
    expect(found).toEqual({ version: 2, dir: '/sys/fs/cgroup' });
    expect(asked).toEqual(['/sys/fs/cgroup']);
  });

  it('says why when v2 has no cpu controller and nothing is mounted', () => {
    const v2Only = 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
    expect(cpuControllerMount(v2Only, () => 'hugetlb\n')).toEqual({
      unavailable:
        'no cgroup v1 cpu hierarchy, and the cgroup v2 mount /sys/fs/cgroup/unified does not offer the cpu controller',
    });
    expect(cpuControllerMount('proc /proc proc rw 0 0\n', () => undefined)).toEqual({
      unavailable: 'no cgroup with the cpu controller is mounted',
    });
  });
});

describe('throttlingOf', () => {
  it('reads v1 (ns) and v2 (µs) cpu.stat', () => {
    expect(
      throttlingOf(1, 'nr_periods 120\nnr_throttled 30\nthrottled_time 4500000000\nnr_bursts 0\n'),
    ).toEqual({ periods: 120, throttledPeriods: 30, throttledMs: 4500 });
    expect(
      throttlingOf(
        2,
        'usage_usec 99\nnr_periods 10\nnr_throttled 4\nthrottled_usec 2500\nnr_bursts 0\n',
      ),
    ).toEqual({ periods: 10, throttledPeriods: 4, throttledMs: 2.5 });
  });
});

describe('createCpuLimit', () => {
  const found = findCpuCgroups();
  const root = 'unavailable' in found ? undefined : found;

  it('rejects a bad core count and a bad name before touching the system', () => {
    const anyRoot = { version: 1 as const, dir: '/nonexistent' };
    expect(() => createCpuLimit(anyRoot, 'x', 0)).toThrow(
      /cores must be a finite number > 0, got 0/,
    );
    expect(() => createCpuLimit(anyRoot, '../x', 1)).toThrow(/cgroup name must be/);
  });

  it.skipIf(root === undefined)(
    `puts a process in a group with the quota and removes the group (${'unavailable' in found ? found.unavailable : `cgroup v${found.version} at ${found.dir}`})`,
    async () => {
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      let limit: CpuLimit | undefined;
      try {
        limit = createCpuLimit(root!, `adagen-test-${process.pid}`, 0.25);
        limit.add(child.pid!);
        expect(readFileSync(join(limit.path, 'cgroup.procs'), 'utf8').split('\n')).toContain(
          String(child.pid),
        );
        expect(
          root!.version === 1
            ? readFileSync(join(limit.path, 'cpu.cfs_quota_us'), 'utf8').trim()
            : readFileSync(join(limit.path, 'cpu.max'), 'utf8').trim(),
        ).toBe(root!.version === 1 ? '25000' : '25000 100000');
        expect(
          root!.version === 1
            ? readFileSync(join(limit.path, 'cpu.shares'), 'utf8').trim()
            : readFileSync(join(limit.path, 'cpu.weight'), 'utf8').trim(),
        ).toBe(root!.version === 1 ? '10240' : '1000');
        expect(limit.cores).toBe(0.25);
        expect(limit.throttling().periods).toBeGreaterThanOrEqual(0);
        // Removed while the process still runs: it goes back to the root group first.
        limit.remove();
        expect(existsSync(limit.path)).toBe(false);
        expect(child.exitCode).toBe(null);
        expect(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')).not.toContain(
          `adagen-test-${process.pid}`,
        );
        limit.remove();
      } finally {
        limit?.remove();
        child.kill();
        await exited;
      }
    },
  );
});
