import type { ApiRequest, ApiResponse } from './api';

/** The parts of a Lambda function URL (payload format 2.0) event the API reads. */
export interface FunctionUrlEvent {
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

/** A function URL event as the core's request (header names lower-cased, the body decoded). */
export function requestFromFunctionUrl(event: FunctionUrlEvent): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) query[name] = value;
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? '/',
    query,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

export function functionUrlResult(response: ApiResponse): FunctionUrlResult {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: response.body,
    isBase64Encoded: false,
  };
}

/** Wraps the core for a function URL (the Lambda entry point and the local stack's `/api/*` both use it). */
export function forFunctionUrl(
  handle: (request: ApiRequest) => Promise<ApiResponse>,
): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  return async (event) => functionUrlResult(await handle(requestFromFunctionUrl(event)));
}
