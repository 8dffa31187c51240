import { z } from 'zod';
import { LIMITS } from './limits.js';

/** Characters allowed in every id that appears in a subject token: `A-Z a-z 0-9 _ -`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Largest id, in characters. */
export const MAX_ID_LENGTH = LIMITS.idChars;

const ID_RULE = `1-${MAX_ID_LENGTH} characters of A-Z a-z 0-9 _ -`;

/** True when `value` can be used as a subject token id. */
export function isValidId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

/** At most 80 characters of a rejected value, quoted, so an error never echoes a huge input. */
function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Why `value` is not a valid id, or undefined when it is. */
export function idProblem(value: string): string | undefined {
  if (isValidId(value)) return undefined;
  return `expected ${ID_RULE}, got ${shown(value)}`;
}

/** zod schema for an id (request, instance, gateway, balancer). */
export const idSchema = z
  .string()
  .min(1, { error: `expected ${ID_RULE}, got an empty string` })
  .max(MAX_ID_LENGTH, { error: `expected ${ID_RULE}, got a longer string` })
  .regex(ID_PATTERN, {
    error: (issue) =>
      `expected ${ID_RULE}, got ${typeof issue.input === 'string' ? shown(issue.input) : typeof issue.input}`,
  });
