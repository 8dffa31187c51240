import { TraceError } from './errors.js';

/** Runs `fn` and returns the TraceError it throws (test helper; not exported by the package). */
export function traceErrorOf(run: () => unknown): TraceError {
  try {
    run();
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('expected a TraceError');
}

/** Same, for an async function. */
export async function traceErrorOfAsync(run: () => Promise<unknown>): Promise<TraceError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('expected a TraceError');
}
