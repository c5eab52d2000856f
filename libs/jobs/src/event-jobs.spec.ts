import { buildJobDocumentKey } from '@gen3d/s3-keys';
import { jobNamedBy, jobStartedBy } from './event-jobs';
import { jobIdFor } from './job-id';

const bucket = 'gen3d-data-bucket';
const JOB = '3f2a9c1d0b7e4a55';

describe('jobStartedBy', () => {
  it('is the id extract derives for an upload, an unusable upload key included', () => {
    const upload = { bucket, key: 'users/u1/input/cup.png', versionId: 'v1', eTag: 'e1' };
    expect(jobStartedBy(upload)).toBe(jobIdFor(upload));
    const odd = { bucket, key: 'users/u1/input/..png', versionId: 'v2' };
    expect(jobStartedBy(odd)).toBe(jobIdFor(odd));
  });

  it('is undefined for what extract passes over or never gets: a mask, a mesh, a job document', () => {
    for (const key of [
      'users/u1/masks/cup.png',
      'users/u1/output/cup.ply',
      buildJobDocumentKey({ userId: 'u1', jobId: JOB, document: 'status' }),
    ]) {
      expect([key, jobStartedBy({ bucket, key })]).toEqual([key, undefined]);
    }
  });
});

describe('jobNamedBy', () => {
  it("reads the job of a job document's key and of SageMaker's failure path", () => {
    expect(jobNamedBy(buildJobDocumentKey({ userId: 'u1', jobId: JOB, document: 'status' }))).toBe(JOB);
    expect(jobNamedBy(`sagemaker-output/failures/${JOB}-error.out`)).toBe(JOB);
  });

  it('is undefined for a key that names no job, or lies outside the layout', () => {
    expect(jobNamedBy('users/u1/input/cup.png')).toBeUndefined();
    expect(jobNamedBy('elsewhere/file.txt')).toBeUndefined();
  });
});
