/** An error the HTTP edge answers with its status (domain errors carry no status: decided here). */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
