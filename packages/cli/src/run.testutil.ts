/** Runs the `adagen` CLI in process for tests: captured output, exit code, a fixed clock. */
import type { CliIo } from './io.js';
import { main } from './main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** Environment the CLI sees. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Its clock. @default always 0 */
  readonly now?: () => number;
}

export async function runCli(
  argv: string[],
  cwd: string,
  options: CliRunOptions = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    stderrIsTTY: false,
    cwd,
    env: { ...options.env },
    traceFallbackDirs: [],
    now: options.now ?? (() => 0),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
