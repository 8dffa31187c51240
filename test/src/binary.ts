import { findNatsServer } from '@adagen/natsconf';

/** What to run when nats-server is missing. */
export const NATS_INSTALL_HINT = 'bash infra/ensure-nats-server.sh';

/**
 * The nats-server binary: `$NATS_SERVER_BIN`, else the first on PATH, else the usual system
 * locations. Throws with the install command when there is none.
 */
export function findNatsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const found = findNatsServer(env);
  if ('path' in found) return found.path;
  throw new Error(`${found.problem}. Install nats-server with: ${NATS_INSTALL_HINT}`);
}
