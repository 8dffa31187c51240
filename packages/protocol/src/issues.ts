import type { z } from 'zod';
import { AdagenError } from './errors.js';
import type { ErrorCode } from './errors.js';

/** One problem with one field of a message. `path` reads like `plan.segments[1].endToken`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Largest number of issues spelled out in an error message. */
const MAX_ISSUES_IN_MESSAGE = 5;

/** `['plan', 'segments', 1, 'endToken']` → `plan.segments[1].endToken`; `[]` → `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function issuesFromZod(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** A message that could not be decoded or validated; the message names every bad field. */
export class ProtocolError extends AdagenError {
  readonly issues: readonly FieldIssue[];

  constructor(code: ErrorCode, issues: readonly FieldIssue[], options: { cause?: unknown } = {}) {
    super(code, describeIssues(issues), options);
    this.issues = issues;
  }
}

function describeIssues(issues: readonly FieldIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}
