import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

/** The structured logger every service uses (pino). */
export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Bindings that identify where a log line comes from. */
export interface LogBindings {
  readonly service?: string;
  readonly instanceId?: string;
  readonly requestId?: string;
}

export interface LoggerOptions extends LogBindings {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default stdout (fd 1) */
  readonly destination?: DestinationStream;
}

/** Creates the root logger of a process, bound to `{service, instanceId}`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination, ...bindings } = options;
  const base = Object.fromEntries(Object.entries(bindings).filter(([, v]) => v !== undefined));
  const pinoOptions = { level, base, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
}

const LINE_METHODS = new Set<PropertyKey>(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noLine = (): void => undefined;

/**
 * A child logger bound to more context, e.g. `{ requestId }` while handling one request, made
 * when it first writes a line: most requests log nothing at the usual levels, and on the
 * decision chain, where a request finds the process idle and its caches cold, making a pino child
 * per request and hop cost more than the hop's own work. A line below the level is dropped
 * without making it.
 */
export function childLogger(
  logger: Logger,
  bindings: LogBindings & Record<string, unknown>,
): Logger {
  let child: Logger | undefined;
  return new Proxy(logger, {
    get(target, key) {
      if (LINE_METHODS.has(key) && !target.isLevelEnabled(key as string)) return noLine;
      child ??= target.child(bindings);
      const value: unknown = Reflect.get(child, key, child);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(child)
        : value;
    },
  });
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
