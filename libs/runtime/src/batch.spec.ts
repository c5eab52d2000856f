import { fixture } from '@gen3d/events/testing';
import { handleS3Records } from './batch';
import { RetryableBatchError } from './errors';

const log = { info: () => undefined, error: () => undefined };

describe('handleS3Records', () => {
  it('handles each object once, skips unreadable records, and does nothing for the S3 test event', async () => {
    const event = fixture('s3BatchMixed');
    event.Records.push(structuredClone(event.Records[0]!));
    const handled: string[] = [];
    const outcomes = await handleS3Records(event, log, async (object) => {
      handled.push(object.key);
      return { status: 'done' as const };
    });
    expect(handled).toEqual(['users/u1/input/café 100%.png']);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'unreadable', 'unreadable', 'repeated']);
    expect(await handleS3Records({ Event: 's3:TestEvent' }, log, async () => 1)).toEqual([]);
  });

  it('runs every record, then throws a retryable error that names types, not messages', async () => {
    const event = fixture('s3PutInput');
    const second = structuredClone(event.Records[0]!);
    second.s3.object.key = 'users/u1/input/other.png';
    event.Records.push(second);
    const seen: string[] = [];
    const run = handleS3Records(event, log, async (object) => {
      seen.push(object.key);
      if (object.key.endsWith('other.png'))
        throw Object.assign(new Error('jane@example.com refused'), { name: 'Throttling' });
      return 'ok';
    });
    await expect(run).rejects.toThrow(
      new RetryableBatchError([Object.assign(new Error(), { name: 'Throttling' })], 2),
    );
    await expect(run).rejects.toThrow('1 of 2 records failed (Throttling); see the logs');
    expect(seen).toHaveLength(2);
  });
});
