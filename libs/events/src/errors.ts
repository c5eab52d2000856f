import type { z } from 'zod';

/** Base of this library's errors; `cause` survives (ErrorOptions). Callers branch with `instanceof`. */
export class EventsError extends Error {
  override readonly name: string = 'EventsError';
}

/** A document or event that does not have the shape its schema promises. `issues` lists every problem found. */
export class DocumentParseError extends EventsError {
  override readonly name: string = 'DocumentParseError';

  constructor(
    readonly documentType: string,
    readonly issues: readonly z.core.$ZodIssue[],
    options?: ErrorOptions,
  ) {
    super(`invalid ${documentType}: ${issues.map(describeIssue).join('; ')}`, options);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}
