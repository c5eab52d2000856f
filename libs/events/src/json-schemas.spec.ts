import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerOptionsSchema } from './documents';
import { workerJsonSchemas, WRITE_COMMAND } from './json-schemas';

const SCHEMAS_DIR = join(__dirname, '..', 'schemas');
const schemas = workerJsonSchemas();

describe('the JSON Schemas of the worker documents', () => {
  it.each(Object.keys(schemas))('%s is committed as generated from its Zod schema', (file) => {
    const path = join(SCHEMAS_DIR, file);
    if (process.env['GEN3D_WRITE_SCHEMAS'] === '1') {
      writeFileSync(path, `${JSON.stringify(schemas[file], null, 2)}\n`);
    }
    const committed: unknown = JSON.parse(readFileSync(path, 'utf8'));

    try {
      expect(committed).toEqual(schemas[file]);
    } catch (error) {
      throw new Error(`${file} is stale: ${WRITE_COMMAND}\n${(error as Error).message}`, { cause: error });
    }
  });

  it('names every worker option, none of them required, and refuses the others', () => {
    const options = schemas['worker-options.schema.json'] as {
      properties: Record<string, unknown>;
      required?: string[];
      additionalProperties: boolean;
    };

    expect(Object.keys(options.properties).sort()).toEqual(Object.keys(WorkerOptionsSchema.shape).sort());
    expect(options.properties).not.toHaveProperty('maskKey');
    expect(options.required ?? []).toEqual([]);
    expect(options.additionalProperties).toBe(false);
  });

  it('says what the refinements of the formats and the defaults of the options are', () => {
    const { properties } = schemas['worker-options.schema.json'] as {
      properties: Record<string, Record<string, unknown>>;
    };

    expect(properties['formats']).toMatchObject({ type: 'array', minItems: 1, uniqueItems: true });
    expect(properties['task']).toMatchObject({ default: 'reconstruct', enum: ['reconstruct', 'mask'] });
    expect(properties['plyFormat']).toMatchObject({ default: 'binary', enum: ['binary', 'ascii'] });
  });
});
