import type { ServerResponse } from 'node:http';

/** Answers with `body` as JSON, its length given (the local stack's HTTP routes and the sidecar's). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
