/**
 * Least-privilege publish/subscribe permissions per principal, derived from the subject
 * hierarchy in `@adagen/protocol` (subjects, wildcards). Anything not allowed is denied.
 *
 * Request/reply: requesters subscribe to their reply inboxes (`_INBOX.>` by default, or a
 * private prefix per user); responders answer through `allow_responses` (one reply per request
 * received), so no responder may publish to inboxes at large. Service API responders also
 * subscribe to `$SRV.>` (PING/INFO/STATS discovery).
 */
import { subjects, wildcards } from '@adagen/protocol';
import type { Principal } from './roles.js';

export interface SubjectPermission {
  /** Subjects (wildcards allowed); empty means nothing is allowed. */
  readonly allow: readonly string[];
}

export interface Permissions {
  readonly publish: SubjectPermission;
  readonly subscribe: SubjectPermission;
  /** May answer requests it received (one reply each), whatever the reply subject. */
  readonly allowResponses: boolean;
}

export interface PermissionOptions {
  /**
   * Where a requester's replies arrive. `shared`: `_INBOX.>` (the NATS default, no client
   * setting needed). `private`: `_INBOX.<user>.>`, so no other user can read its replies; the
   * client must connect with `inboxPrefix: inboxPrefixFor(principal)`.
   * @default 'shared'
   */
  readonly inboxes?: 'shared' | 'private';
}

/** Service API discovery (`$SRV.PING|INFO|STATS[.<name>[.<id>]]`). */
export const SERVICE_API = '$SRV.>';

/** The reply-inbox prefix of a principal when inboxes are private. */
export function inboxPrefixFor(principal: Principal): string {
  return `_INBOX.${principal.name}`;
}

const inboxOf = (principal: Principal, options: PermissionOptions): string =>
  options.inboxes === 'private' ? `${inboxPrefixFor(principal)}.>` : '_INBOX.>';

/** What every service that keeps a fleet view reads (services/shared watchFleet). */
const agentFeeds = [wildcards.agentState, wildcards.agentAnnounce];
const fleetView = [...agentFeeds, wildcards.placements];

/** The permissions of one principal. Pure: same input, same lists, in a stable order. */
export function permissionsFor(principal: Principal, options: PermissionOptions = {}): Permissions {
  const inbox = inboxOf(principal, options);
  const perms = (pub: string[], sub: string[], allowResponses: boolean): Permissions => ({
    publish: { allow: pub },
    subscribe: { allow: sub },
    allowResponses,
  });
  switch (principal.role) {
    case 'gateway':
      return perms(
        // Cancels of its own requests only (client gone, retry); probes of agents gone quiet.
        [
          subjects.classify,
          subjects.balance,
          subjects.plan,
          subjects.cancel(principal.id),
          wildcards.agentVerb('probe'),
        ],
        // Agent feeds: the gateway notices an agent that died holding its requests.
        [inbox, wildcards.gatewayStreams(principal.id), ...agentFeeds],
        false,
      );
    case 'classifier':
      return perms(
        [subjects.balance],
        [subjects.classify, SERVICE_API, inbox, wildcards.agentCompletion],
        true,
      );
    case 'balancer':
      return perms(
        // Its decision records, for dashboards and the capacity recommender, under its own id.
        // Shards offer each other the requests they predict hopeless (`svc.balance.<shard>`).
        [
          subjects.plan,
          subjects.estimate,
          subjects.placements(principal.id),
          subjects.decisions(principal.id),
          wildcards.shardBalances,
        ],
        // Prefix-cache events: the balancer's per-agent index of cached blocks.
        [
          subjects.balance,
          wildcards.shardBalances,
          SERVICE_API,
          inbox,
          ...fleetView,
          wildcards.agentCache,
        ],
        true,
      );
    case 'planner':
      return perms(
        // Cancels roll back a half-dispatched plan, whichever gateway holds the request.
        [subjects.estimate, wildcards.agentVerb('dispatch'), wildcards.cancels],
        [subjects.plan, SERVICE_API, inbox, ...fleetView],
        true,
      );
    case 'estimator':
      return perms([], [subjects.estimate, SERVICE_API, ...fleetView], true);
    case 'agent':
      return perms(
        [
          subjects.state(principal.id),
          subjects.completion(principal.id),
          subjects.announce(principal.id),
          subjects.cache(principal.id),
          // KV hand-off notices: to any peer, as itself only (the subject ends with the sender).
          wildcards.kvFrom(principal.id),
          // Its own results only: the stream subject ends with the sender's id.
          wildcards.streamsFrom(principal.id),
        ],
        [
          subjects.dispatch(principal.id),
          subjects.probe(principal.id),
          wildcards.kvTo(principal.id),
          wildcards.cancels,
          SERVICE_API,
        ],
        true,
      );
    case 'observer':
      return perms(
        [SERVICE_API],
        [
          inbox,
          ...agentFeeds,
          wildcards.agentCompletion,
          wildcards.agentCache,
          wildcards.placements,
          wildcards.decisions,
        ],
        false,
      );
    case 'admin':
      return perms(['>'], ['>'], false);
  }
}
