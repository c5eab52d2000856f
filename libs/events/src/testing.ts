/**
 * Real-shaped S3 event fixtures for tests of projects that consume this library (`@gen3d/events/testing`).
 * Test code only: runtime code imports `@gen3d/events`.
 */
import s3BatchMixed from './fixtures/s3-batch-mixed.json';
import s3PutInput from './fixtures/s3-put-input.json';
import s3PutOutput from './fixtures/s3-put-output.json';

export const fixtures = { s3PutInput, s3PutOutput, s3BatchMixed } as const;

/** A deep copy of a fixture, safe to modify in a test. */
export function fixture<K extends keyof typeof fixtures>(name: K): (typeof fixtures)[K] {
  return structuredClone(fixtures[name]);
}
