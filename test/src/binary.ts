import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What to run when nats-server is missing. */
export const NATS_INSTALL_HINT = 'bash infra/ensure-nats-server.sh';

const FALLBACK_PATHS = [
  '/usr/sbin/nats-server',
  '/usr/local/bin/nats-server',
  '/usr/bin/nats-server',
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nats-server binary: `$NATS_SERVER_BIN`, else the first on PATH, else the usual system
 * locations. Throws with the install command when there is none.
 */
export function findNatsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.NATS_SERVER_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(
      `NATS_SERVER_BIN=${fromEnv} is not an executable file. Install nats-server with: ${NATS_INSTALL_HINT}`,
    );
  }
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'nats-server'));
  const found = [...onPath, ...FALLBACK_PATHS].find(executable);
  if (found !== undefined) return found;
  throw new Error(
    `nats-server was not found (NATS_SERVER_BIN, PATH, ${FALLBACK_PATHS.join(', ')}). Install it with: ${NATS_INSTALL_HINT}`,
  );
}
