import { s3CreatedEvent } from '@gen3d/events/testing';
import { createLogger } from '@gen3d/logging';
import { createS3BatchHandler, forLambdaInvocation } from './invocation';

function capture() {
  const lines: Record<string, unknown>[] = [];
  // pino writes each log line with one call to a destination's write.
  const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { lines, logger: createLogger({ service: 's', destination, level: 'info' }) };
}

const context = (requestId: string, remainingMs = 12_345) => ({
  awsRequestId: requestId,
  functionName: 'Gen3DExtractLambda',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => remainingMs,
});

describe('forLambdaInvocation', () => {
  it('adds the request fields and marks only the first invocation as the cold start', () => {
    const { lines, logger } = capture();
    forLambdaInvocation(logger, context('req-1')).info('first');
    forLambdaInvocation(logger, context('req-2')).info('second');
    expect(lines.map((l) => [l['requestId'], l['functionName'], l['coldStart']])).toEqual([
      ['req-1', 'Gen3DExtractLambda', true],
      ['req-2', 'Gen3DExtractLambda', false],
    ]);
  });
});

describe('createS3BatchHandler', () => {
  it("gives the core the invocation's logger and remaining time, and sums the batch up by its tally", async () => {
    const { lines, logger } = capture();
    const seen: number[] = [];
    const handler = createS3BatchHandler({
      logger,
      tally: { done: ['done'], skipped: ['ignored', 'unreadable', 'repeated'] },
      handle: async (object, invocation) => {
        seen.push(invocation.remainingTimeMs());
        invocation.log.info({ key: object.key }, 'handled');
        return { status: object.key.endsWith('a.png') ? ('done' as const) : ('ignored' as const) };
      },
    });
    const event = s3CreatedEvent([
      { bucket: 'gen3d-data-bucket', key: 'users/u1/input/a.png', versionId: 'v1', eTag: 'e1' },
      { bucket: 'gen3d-data-bucket', key: 'users/u1/input/b.png', versionId: 'v2', eTag: 'e2' },
      // The same object version delivered twice in one batch: handled once, counted as repeated.
      { bucket: 'gen3d-data-bucket', key: 'users/u1/input/a.png', versionId: 'v1', eTag: 'e1' },
    ]);
    const summary = await handler(event, context('req-3', 4321));
    expect(summary).toMatchObject({ done: 1, skipped: 2 });
    expect(seen).toEqual([4321, 4321]);
    expect(lines.find((l) => l['msg'] === 'handled')).toMatchObject({ requestId: 'req-3' });
    expect(lines.find((l) => l['msg'] === 'batch done')).toMatchObject({ done: 1, skipped: 2 });
  });
});
