/** Errors of the API core. Each names what the caller did wrong; `http.ts` maps them to status codes. */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';

  constructor(
    /** A stable code the web app branches on. */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The request is malformed (400). */
export class BadRequestError extends ApiError {
  override readonly name: string = 'BadRequestError';
}

/** No valid session token (401). */
export class UnauthorizedError extends ApiError {
  override readonly name: string = 'UnauthorizedError';
}

/** The request came around the API's front door (403): see ApiDeps.originSecret. */
export class ForbiddenError extends ApiError {
  override readonly name: string = 'ForbiddenError';
}

/** Nothing the caller may see is here (404): also for another user's job, so that ids are not confirmed. */
export class NotFoundError extends ApiError {
  override readonly name: string = 'NotFoundError';
}

/** The job exists but is not in a state that allows this (409): a mesh of an unfinished job. */
export class ConflictError extends ApiError {
  override readonly name: string = 'ConflictError';
}

/** A quota is used up (429); `retryAfterSeconds` says when asking again can succeed. */
export class RateLimitedError extends ApiError {
  override readonly name: string = 'RateLimitedError';

  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

/** Concurrent writers kept winning a document's compare-and-swap (503: try again). */
export class BusyError extends ApiError {
  override readonly name: string = 'BusyError';
}
