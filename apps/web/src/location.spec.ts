import { jobHash, parseRoute } from './location';

describe('parseRoute', () => {
  it('reads an email link (job id and access token) and round-trips it', () => {
    const hash = jobHash('3f2a9c1d0b7e4a55', 'eyJrIjoiYSJ9.c2ln-_');
    expect(parseRoute(hash)).toEqual({
      kind: 'job',
      jobId: '3f2a9c1d0b7e4a55',
      access: 'eyJrIjoiYSJ9.c2ln-_',
    });
  });

  it('reads a confirmation link', () => {
    expect(parseRoute('#confirm=abc.def')).toEqual({ kind: 'confirm', token: 'abc.def' });
  });

  it('ignores a malformed job id and an empty fragment', () => {
    expect(parseRoute('#job=../../etc')).toEqual({ kind: 'home' });
    expect(parseRoute('')).toEqual({ kind: 'home' });
  });
});
