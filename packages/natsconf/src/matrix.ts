/** The permission matrix as a Markdown table, for docs/SECURITY.md (kept in sync by a test). */
import { SERVICE_API, permissionsFor } from './permissions.js';
import { ROLES, principal } from './roles.js';
import type { Role } from './roles.js';

const code = (subjects: readonly string[]): string =>
  subjects.length === 0 ? '(none)' : subjects.map((s) => `\`${s}\``).join('<br>');

/** Example ids used in the table. */
const EXAMPLE_ID: Partial<Record<Role, string>> = {
  gateway: 'gw-1',
  balancer: 'bal-1',
  agent: 'gpu-1',
};

/** One row per role: user, what it may publish, subscribe to, and whether it answers requests. */
export function permissionMatrix(): string {
  const rows = ROLES.map((role) => {
    const who = principal(role, EXAMPLE_ID[role]);
    const p = permissionsFor(who);
    return `| \`${who.name}\` | ${code(p.publish.allow)} | ${code(p.subscribe.allow)} | ${p.allowResponses ? 'yes' : 'no'} |`;
  });
  return [
    '| User (example id) | Publish | Subscribe | Replies (`allow_responses`) |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Inboxes are \`_INBOX.>\` by default; with \`inboxes: "private"\` each requester gets \`_INBOX.<user>.>\`. \`${SERVICE_API}\` is Service API discovery.`,
  ].join('\n');
}
