import { createLogger, forJob, levelFromEnv } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  // pino writes each log line with one call to a destination's write.
  const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with level label, ISO time, service and message', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'extract-lambda', destination, level: 'info' }).info({ key: 'k' }, 'job started');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', service: 'extract-lambda', key: 'k', msg: 'job started' }),
    ]);
    expect(String(lines[0]?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('takes the level from LOG_LEVEL and refuses an unknown one', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', destination, env: { LOG_LEVEL: 'warn' } });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
    expect(() => levelFromEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);
  });

  it('redacts email addresses and presigned URL secrets in fields, nested values, messages and errors', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', destination, level: 'info' });
    const url =
      'https://gen3d-data-bucket.s3.amazonaws.com/users/u1/output/a.ply?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=AKIAEXAMPLE%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abcdef0123&X-Amz-Expires=3600';
    log.info(
      { to: 'jane.doe+3d@example.com', email: { link: url }, list: ['bob@example.org'] },
      'mail to a@b.io',
    );
    log.error({ err: new Error('SES refused jane.doe@example.com') }, 'send failed');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/example\.(com|org)|a@b\.io|abcdef0123|AKIAEXAMPLE/);
    expect(lines[0]).toMatchObject({ to: '[email]', list: ['[email]'], msg: 'mail to [email]' });
    expect(String((lines[0]?.['email'] as { link: string }).link)).toContain('X-Amz-Signature=[redacted]');
    expect(String((lines[0]?.['email'] as { link: string }).link)).toContain('X-Amz-Expires=3600');
    expect(lines[1]).toMatchObject({ err: { type: 'Error', message: 'SES refused [email]' } });
  });

  it('puts the job id on every line of a job logger', () => {
    const { lines, destination } = capture();
    const job = forJob(createLogger({ service: 's', destination, level: 'info' }), 'job-1234', {
      userId: 'u1',
    });
    job.info('a');
    job.child({ stage: 'mask' }).warn('b');
    expect(lines.map((l) => [l['jobId'], l['userId']])).toEqual([
      ['job-1234', 'u1'],
      ['job-1234', 'u1'],
    ]);
  });
});
