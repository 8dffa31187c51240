/** What the CLI needs from its process, injected so tests run it in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Progress bars only on a terminal; otherwise periodic one-line progress. */
  stderrIsTTY: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Folders tried for named traces after `--trace-dir` and `$ADAGEN_SHARED_DIR/traces`.
   * @default [<repo>/../shared/traces, /work/shared/traces]
   */
  traceFallbackDirs?: readonly string[];
  /** Wall clock in ms (performance.now), for decision timing and progress. */
  now(): number;
}
