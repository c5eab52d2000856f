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

/** An ApiError that differs from the others by its name only; the name's type tells them apart to TypeScript too. */
type NamedApiError<N extends string> = ApiError & { readonly name: N };

/**
 * The class of the ApiErrors named `name`: `instanceof` tells them apart, and the name is both its instances' `name`
 * and the class's own (pino logs `err.constructor.name` as the error's type).
 */
function apiErrorNamed<N extends string>(
  name: N,
): new (...args: ConstructorParameters<typeof ApiError>) => NamedApiError<N> {
  class Named extends ApiError {
    override readonly name: N = name;
  }
  Object.defineProperty(Named, 'name', { value: name });
  return Named;
}

/** The request is malformed (400). */
export const BadRequestError = apiErrorNamed('BadRequestError');

/** No valid session token (401). */
export const UnauthorizedError = apiErrorNamed('UnauthorizedError');

/** The request came around the API's front door (403): see ApiDeps.originSecret. */
export const ForbiddenError = apiErrorNamed('ForbiddenError');

/** Nothing the caller may see is here (404): also for another user's job, so that ids are not confirmed. */
export const NotFoundError = apiErrorNamed('NotFoundError');

/** The job exists but is not in a state that allows this (409): a mesh of an unfinished job. */
export const ConflictError = apiErrorNamed('ConflictError');

/** Concurrent writers kept winning a document's compare-and-swap (503: try again). */
export const BusyError = apiErrorNamed('BusyError');

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
