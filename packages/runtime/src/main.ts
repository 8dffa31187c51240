import type { Logger } from './logger.js';
import { createLogger } from './logger.js';

/** Anything a process entry point can stop on a signal (a Lifecycle, a service runtime). */
export interface Stoppable {
  stop(reason?: string): Promise<void>;
}

/** The parts of `process` runMain uses; injectable for tests. */
export interface ProcessLike {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  exit(code: number): never | void;
}

export interface RunMainOptions {
  /** @default a pino logger bound to `{service: 'main'}` */
  readonly logger?: Logger;
  /** @default process */
  readonly process?: ProcessLike;
}

/**
 * Runs a process entry point: awaits `main()`, and on SIGTERM or SIGINT stops what it returned
 * (drain with grace) and exits 0. A second signal exits 1 at once; a failing `main` exits 1.
 * Only entry points (`src/bin/*`) call this; libraries never install signal handlers.
 */
export function runMain(
  main: () => Promise<Stoppable>,
  options: RunMainOptions = {},
): Promise<void> {
  const proc = options.process ?? process;
  const logger = options.logger ?? createLogger({ service: 'main' });
  const started = main();
  let signalled = false;
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => () => {
    if (signalled) {
      logger.warn({ signal }, 'second signal; exiting now');
      proc.exit(1);
      return;
    }
    signalled = true;
    logger.info({ signal }, 'signal received; stopping');
    started
      .then((stoppable) => stoppable.stop(`${signal} received`))
      .then(
        () => proc.exit(0),
        (error: unknown) => {
          logger.fatal({ err: error }, 'stop failed');
          proc.exit(1);
        },
      );
  };
  proc.on('SIGTERM', onSignal('SIGTERM'));
  proc.on('SIGINT', onSignal('SIGINT'));
  return started.then(
    () => undefined,
    (error: unknown) => {
      logger.fatal({ err: error }, 'startup failed');
      proc.exit(1);
    },
  );
}
