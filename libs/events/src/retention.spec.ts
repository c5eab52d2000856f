import { jobEndedAt, keptUntil, keptUntilDay } from './retention';

describe('until when a job’s files are kept', () => {
  it('counts from the end its report records, else its status’s, and not while it runs', () => {
    const report = { finishedAt: '2026-11-27T23:59:59.500Z' };
    const status = { finishedAt: '2026-11-28T00:00:01.000Z' };
    expect(jobEndedAt({ status, report })).toBe(report.finishedAt);
    expect(jobEndedAt({ status })).toBe(status.finishedAt);
    expect(jobEndedAt({ status, report: { finishedAt: 'not a time' } })).toBe(status.finishedAt);
    expect(jobEndedAt({ status: {} })).toBeUndefined();
  });

  it('keeps them the retention’s days after it, and names that day in UTC', () => {
    const until = keptUntil(new Date('2026-11-27T23:59:59.500Z'), 30);
    expect(until.toISOString()).toBe('2026-12-27T23:59:59.500Z');
    expect(keptUntilDay(until, 'en-GB')).toBe('27 December 2026');
    expect(keptUntilDay(until, 'en-US')).toBe('December 27, 2026');
  });
});
