/**
 * The one error of a bad option or input that names its field, for every package that
 * validates options with a schema (engine settings, calibration, latency profiles, the
 * simulator's config, the llama engine, the model generator): each subclasses it with its own
 * `name` and `code`. Works on zod's issues structurally, so this package needs no zod.
 */

/** The part of a schema issue that names a field. */
export interface SchemaIssue {
  readonly code: string;
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  /** The unknown keys, for an `unrecognized_keys` issue. */
  readonly keys?: readonly string[];
}

/** A bad option or input; `field` names it (a dotted path, or `(root)`). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Dotted path of an issue (`latency.knots.1`), or `(root)`. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/**
 * The field the first issue names and why: its path, or for unknown keys the keys (after their
 * parent's path, when not at the root).
 */
export function firstIssue(issues: readonly SchemaIssue[]): { field: string; why: string } {
  const issue = issues[0];
  if (issue === undefined) return { field: '(root)', why: 'invalid' };
  const path = issuePath(issue.path);
  const field =
    issue.code === 'unrecognized_keys' && issue.keys !== undefined
      ? `${path === '(root)' ? '' : `${path}.`}${issue.keys.join(', ')}`
      : path;
  return { field, why: issue.message };
}
