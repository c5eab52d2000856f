import { z } from 'zod';
import { WorkerOptionsSchema, WorkerReportSchema } from './documents';

/** How the committed files are regenerated after a schema change. */
export const WRITE_COMMAND =
  'GEN3D_WRITE_SCHEMAS=1 npx jest -c libs/events/jest.config.cjs json-schemas && npx prettier --write libs/events/schemas';

function generated(name: string, schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return {
    $comment: `Generated from ${name} (libs/events/src/documents.ts); do not edit: ${WRITE_COMMAND}`,
    ...z.toJSONSchema(schema, { io }),
  };
}

/**
 * The documents that cross into the Python worker, as JSON Schema generated from their Zod schemas (one source):
 * committed under `libs/events/schemas/` for the worker's tests, which check the Python side against them. The
 * options as the worker reads them (`input`: what has a default may be left out); the report as the sidecar keeps it
 * (`output`: every field the worker writes is named here, or the sidecar drops it).
 *
 * @example workerJsonSchemas()['worker-options.schema.json'].properties // { backend: …, quality: …, … }
 */
export function workerJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'worker-options.schema.json': generated('WorkerOptionsSchema', WorkerOptionsSchema, 'input'),
    'worker-report.schema.json': generated('WorkerReportSchema', WorkerReportSchema, 'output'),
  };
}
