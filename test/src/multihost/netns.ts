/**
 * Hosts as Linux network namespaces, made by the test and removed after it: `h0…hN-1`, each with
 * one interface (`eth0`, 10.77.0.(10+i)/24) cabled to a bridge in a switch namespace. Nothing is
 * added to the machine's own namespace: the veth pairs are created directly inside the host and
 * switch namespaces, and deleting the namespaces deletes them. `setLink(i, false)` pulls host i's
 * cable at the switch; `true` plugs it back.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const IP = '/usr/sbin/ip';

function ip(args: readonly string[]): void {
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why namespaces cannot be made here, or undefined when they can (a probe namespace is tried). */
export function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)';
  const probe = `adgprobe${process.pid}`;
  const made = spawnSync(IP, ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.error !== undefined) return `cannot run ${IP}: ${made.error.message}`;
  if (made.status !== 0) return `ip netns add failed: ${made.stderr.trim()}`;
  spawnSync(IP, ['netns', 'del', probe]);
  return undefined;
}

export interface Hosts {
  readonly names: readonly string[];
  /** Host i's address. */
  address(i: number): string;
  /** The command prefix that runs a program inside host i. */
  exec(i: number): string[];
  setLink(i: number, up: boolean): void;
  destroy(): void;
}

export function makeHosts(count: number): Hosts {
  const tag = `ad${process.pid % 100_000}`;
  const sw = `${tag}sw`;
  const names = Array.from({ length: count }, (_, i) => `${tag}h${i}`);
  const made: string[] = [];
  const destroy = () => {
    for (const ns of made.splice(0).reverse()) spawnSync(IP, ['netns', 'del', ns]);
  };
  try {
    for (const ns of [sw, ...names]) {
      ip(['netns', 'add', ns]);
      made.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    names.forEach((ns, i) => {
      ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', sw]);
      ip(['-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
      ip(['-n', ns, 'addr', 'add', `10.77.0.${10 + i}/24`, 'dev', 'eth0']);
      ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    });
  } catch (error) {
    destroy();
    throw error;
  }
  process.once('exit', destroy);
  return {
    names,
    address: (i) => `10.77.0.${10 + i}`,
    exec: (i) => [IP, 'netns', 'exec', names[i] ?? '?'],
    setLink: (i, up) => ip(['-n', sw, 'link', 'set', `p${i}`, up ? 'up' : 'down']),
    destroy,
  };
}
