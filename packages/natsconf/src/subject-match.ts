/** NATS subject matching, as the server applies permissions. Pure; for tests and tools. */
import type { Permissions } from './permissions.js';

const tokens = (subject: string): string[] => subject.split('.');

/**
 * True when every subject that `subject` can denote is matched by `pattern`. For a literal
 * subject (a publish) that is plain wildcard matching; for a wildcard subscription it is the
 * subset test the server applies (`a.*.c` fits `a.>` but `a.>` does not fit `a.*.c`).
 */
export function fitsPattern(subject: string, pattern: string): boolean {
  const s = tokens(subject);
  const p = tokens(pattern);
  for (let i = 0; i < p.length; i += 1) {
    const want = p[i];
    const have = s[i];
    if (want === '>') return have !== undefined;
    if (have === undefined) return false;
    if (have === '>') return false;
    if (want === '*') continue;
    if (have === '*' || have !== want) return false;
  }
  return s.length === p.length;
}

/** Whether `permissions` let a client publish to, or subscribe to, `subject`. */
export function isAllowed(
  permissions: Permissions,
  operation: 'publish' | 'subscribe',
  subject: string,
): boolean {
  return permissions[operation].allow.some((pattern) => fitsPattern(subject, pattern));
}
