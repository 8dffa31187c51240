import type { z } from 'zod';
import { AdagenError } from './errors.js';
import type { ErrorCode } from './errors.js';
import { LIMITS } from './limits.js';

/** One problem with one field of a message. `path` reads like `plan.segments[1].endToken`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Largest number of issues spelled out in an error message. */
const MAX_ISSUES_IN_MESSAGE = 5;
/** Largest number of issues kept on a ProtocolError (a hostile message can produce thousands). */
export const MAX_ISSUES = 100;
/** Longest issue message kept; longer ones (e.g. echoing a huge input) are cut. */
const MAX_ISSUE_CHARS = 512;

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `['plan', 'segments', 1, 'endToken']` → `plan.segments[1].endToken`; `[]` → `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * The first {@link MAX_ISSUES} issues of a zod error, each path and message cut to 512
 * characters, so the error stays small whatever the input.
 */
export function issuesFromZod(error: z.ZodError): FieldIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: clip(formatPath(issue.path), MAX_ISSUE_CHARS),
    message: clip(issue.message, MAX_ISSUE_CHARS),
  }));
}

/** A message that could not be decoded or validated; the message names every bad field. */
export class ProtocolError extends AdagenError {
  readonly issues: readonly FieldIssue[];

  constructor(
    code: ErrorCode,
    issues: readonly FieldIssue[],
    options: { cause?: unknown; totalIssues?: number } = {},
  ) {
    super(code, describeIssues(issues, options.totalIssues ?? issues.length), options);
    this.issues = issues;
  }
}

/** The first issues as `path: message; …; and N more`, at most `LIMITS.messageChars` long. */
function describeIssues(issues: readonly FieldIssue[], total: number): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.message}`);
  const more = Math.max(total, issues.length) - shown.length;
  return clip(
    more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; '),
    LIMITS.messageChars,
  );
}
