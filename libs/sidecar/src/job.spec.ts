import { parseJobStatusJson, type InferenceRequest } from '@gen3d/events';
import { createLogger } from '@gen3d/logging';
import { bindBucket } from '@gen3d/object-store';
import { InMemoryObjectStore } from '@gen3d/object-store/testing';
import { parseJobId, parseUserId } from '@gen3d/s3-keys';
import { JobFailure } from './errors';
import { failJob } from './job';

const BUCKET = 'gen3d-data-bucket';

describe('a failed job', () => {
  it('still ends failed, with a plain reason, when its failure document cannot be written', async () => {
    const now = new Date('2026-12-06T10:00:00Z');
    const data = bindBucket(new InMemoryObjectStore(() => now), BUCKET);
    const putJson = data.putJson.bind(data);
    data.putJson = async (key, value, conditions) => {
      if (key.endsWith('.failure.json')) throw new Error('KeyTooLongError: the key is too long');
      return putJson(key, value, conditions);
    };
    const request: InferenceRequest = {
      version: 1,
      jobId: parseJobId('0123456789abcdef0123456789abcdef'),
      userId: parseUserId('w1'),
      input: { bucket: BUCKET, key: 'users/w1/input/chair-1.png' },
      options: { backend: 'inflate', quality: 'standard' },
      requestedAt: now.toISOString(),
    };
    const failure = new JobFailure('NoObjectFoundError', 'reconstruction', 'no object');
    const document = await failJob(request, failure, {
      data,
      now: () => now,
      log: createLogger({ service: 'test', level: 'silent' }),
    });
    // The answer still carries the document: SageMaker stores it as its failure record, which notify emails.
    expect(document.error.type).toBe('NoObjectFoundError');
    const status = parseJobStatusJson(await data.getText(`users/w1/jobs/${request.jobId}/status.json`));
    expect(status).toMatchObject({ state: 'failed', error: { code: 'NoObjectFoundError' } });
    expect(status.error?.reason).toMatch(/could not find an object/);
  });
});
