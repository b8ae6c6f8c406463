/** grpc-gateway's error answers: the HTTP status for a gRPC code, and the JSON error body. */

import { STATUS_CODES } from 'node:http';

/** grpc-gateway's HTTPStatusFromCode. */
export function httpStatus(code: number): number {
  return [200, 408, 500, 400, 504, 404, 409, 403, 429, 412, 409, 400, 501, 500, 503, 500, 401][code] ?? 500;
}

/** Go's http.StatusText. */
export function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}

/** grpc-gateway's error body: `{"error": msg, "message": msg, "code": c}`. */
export function errorBody(code: number, message: string): string {
  return JSON.stringify({ error: message, message, code });
}
