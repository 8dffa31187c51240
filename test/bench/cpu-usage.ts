/** CPU time of processes and of the whole machine, from /proc (Linux), for benchmarks. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const ticksPerS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far; NaN when it cannot be read. */
export function processCpuS(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticksPerS;
  } catch {
    return Number.NaN;
  }
}

/** The machine's busy and total CPU seconds so far, summed over its CPUs (from /proc/stat). */
export function machineCpuS(): { busyS: number; totalS: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const t = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = t[3]! + t[4]!;
    return { busyS: (total - idle) / ticksPerS, totalS: total / ticksPerS };
  } catch {
    return { busyS: Number.NaN, totalS: Number.NaN };
  }
}

export const cpuCount = (): number => cpus().length;

/**
 * Times a process's main thread was switched out while it could still run (preempted by another
 * process or its CPU limit: `nonvoluntary_ctxt_switches`); NaN when it cannot be read.
 */
export function preemptions(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m === null ? Number.NaN : Number(m[1]);
  } catch {
    return Number.NaN;
  }
}
