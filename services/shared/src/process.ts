/**
 * Process helpers for service entry points. With `ADAGEN_EXIT_WITH_PARENT=1` (set by
 * `adagen up`), a service stops when its stdin closes, i.e. when the process that started it
 * died, so no service outlives `adagen up` even after a SIGKILL.
 */
import type { Stoppable } from '@adagen/runtime';

export function stopWithParent(
  stoppable: Stoppable,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  if (env.ADAGEN_EXIT_WITH_PARENT !== '1') return;
  process.stdin.on('error', () => undefined);
  process.stdin.on('close', () => {
    void stoppable.stop('parent process gone').finally(() => process.exit(0));
  });
  process.stdin.resume();
}

/** A short random id suffix (`a1b2c3`). */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
