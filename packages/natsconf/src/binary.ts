/**
 * Where the nats-server binary is: `$NATS_SERVER_BIN`, else the first on `PATH`, else the usual
 * system places. The one lookup `adagen up` and the test harness share (the environment is
 * passed in).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The usual places, after `PATH`. */
export const NATS_SERVER_PLACES = [
  '/usr/sbin/nats-server',
  '/usr/local/bin/nats-server',
  '/usr/bin/nats-server',
] as const;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The binary, or why there is none: `NATS_SERVER_BIN` set to something not executable is an
 * error of its own (it is never silently passed over).
 */
export function findNatsServer(
  env: Readonly<Record<string, string | undefined>>,
): { readonly path: string } | { readonly problem: string } {
  const explicit = env.NATS_SERVER_BIN;
  if (explicit !== undefined && explicit !== '')
    return executable(explicit)
      ? { path: explicit }
      : { problem: `NATS_SERVER_BIN=${explicit} is not an executable file` };
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'nats-server'));
  const found = [...onPath, ...NATS_SERVER_PLACES].find(executable);
  return found !== undefined
    ? { path: found }
    : {
        problem: `nats-server was not found ($NATS_SERVER_BIN, PATH, ${NATS_SERVER_PLACES.join(', ')})`,
      };
}
