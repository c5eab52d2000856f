import * as errors from './errors';

describe('API errors', () => {
  // Every error of the module but the base and the one with a field of its own differs from the base by name only.
  const { ApiError, RateLimitedError, ...named } = errors;

  it.each(Object.entries(named))(
    '%s is an ApiError with its own name, code and cause',
    (name, ErrorClass) => {
      const cause = new Error('underneath');
      const error = new ErrorClass('some-code', 'what went wrong', { cause });

      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(ApiError);
      expect(error.name).toBe(name);
      expect(error.constructor.name).toBe(name);
      expect(error).toMatchObject({ code: 'some-code', message: 'what went wrong', cause });
      expect(String(error)).toBe(`${name}: what went wrong`);
    },
  );

  it('tells the named errors apart', () => {
    const error = new named.NotFoundError('job-not-found', 'no such job');

    const matching = Object.entries(named).filter(([, ErrorClass]) => error instanceof ErrorClass);
    expect(matching.map(([name]) => name)).toEqual(['NotFoundError']);
    expect(new ApiError('x', 'y')).not.toBeInstanceOf(named.NotFoundError);
  });

  it('RateLimitedError carries when to ask again', () => {
    const error = new RateLimitedError('quota', 'too many jobs today', 3600);

    expect(error).toBeInstanceOf(ApiError);
    expect(error.name).toBe('RateLimitedError');
    expect(error.retryAfterSeconds).toBe(3600);
  });
});
