import { z } from 'zod';

/** A document or event that does not have the shape its schema promises. `issues` lists every problem found. */
export class DocumentParseError extends Error {
  override readonly name = 'DocumentParseError';

  constructor(
    readonly documentType: string,
    readonly issues: readonly z.core.$ZodIssue[],
  ) {
    super(`invalid ${documentType}: ${issues.map(describeIssue).join('; ')}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

/** Builds a `parseX(value)` function that returns the typed document or throws {@link DocumentParseError}. */
export function parserFor<S extends z.ZodType>(
  documentType: string,
  schema: S,
): (value: unknown) => z.output<S> {
  return (value: unknown) => {
    const result = schema.safeParse(value);
    if (!result.success) throw new DocumentParseError(documentType, result.error.issues);
    return result.data;
  };
}

/** Parses JSON text, then the document: one error type whether the text or the shape is wrong. */
export function jsonParserFor<S extends z.ZodType>(
  documentType: string,
  schema: S,
): (text: string) => z.output<S> {
  const parse = parserFor(documentType, schema);
  return (text: string) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DocumentParseError(documentType, [
        { code: 'custom', path: [], message: `not JSON (${(error as Error).message})`, input: text },
      ]);
    }
    return parse(value);
  };
}
