/** A request as the core sees it: what every HTTP front (Lambda function URL, the local stack) reduces to. */
export interface ApiRequest {
  readonly method: string;
  /** The path below the API's mount point, e.g. `/jobs/0123456789abcdef`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}
