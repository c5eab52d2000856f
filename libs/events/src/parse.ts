import type { z } from 'zod';
import { DocumentParseError } from './errors';

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
      throw new DocumentParseError(
        documentType,
        [{ code: 'custom', path: [], message: `not JSON (${(error as Error).message})`, input: text }],
        { cause: error },
      );
    }
    return parse(value);
  };
}
