/** One-line notices from the harness, on stderr (test output, not library logging). */
const said = new Set<string>();

export function notice(line: string): void {
  process.stderr.write(`[testkit] ${line}\n`);
}

/** Prints `line` once per process for a given `key`. */
export function noticeOnce(key: string, line: string): void {
  if (said.has(key)) return;
  said.add(key);
  notice(line);
}
