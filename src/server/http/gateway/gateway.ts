/**
 * etcd's JSON gateway on the client port, as etcd 3.4 serves it with grpc-gateway: each route a POST whose
 * JSON body is the request message; the answer is the response message as JSON (json.ts), or an error
 * body `{"error", "message", "code"}` with the HTTP status grpc-gateway gives the gRPC code. Streams
 * (watch, keepalive, snapshot) read every JSON value of the body as a request and answer one line
 * `{"result": …}` per response. The gRPC services' own handlers serve every call, so the gateway answers
 * exactly what gRPC answers. Credentials: `Authorization: <token>` or `Grpc-Metadata-Token: <token>`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '../../../interface/errors.js';
import type { MemoryBackend } from '../../../memory-backend/memory-backend.js';
import type { CallCounter } from '../../grpc/grpc-server.js';
import type { RequestMeta, ServiceHandlers } from '../../grpc/handlers.js';
import { allMethods, type RpcMethod } from '../../grpc/proto.js';
import { toStatus } from '../../grpc/status.js';
import type { WireMessage } from '../../wire/message.js';
import { errorBody, httpStatus } from './errors.js';
import { firstValueEnd, GoJsonSyntaxError } from './go-json.js';
import { JsonDecodeError, messageFromJson, messageToJson, parseJson } from './json.js';
import { routeFor } from './routes.js';
import { GatewayStreamCall } from './stream-call.js';
import { jsonValues } from './values.js';

/** What the gateway needs from the server. */
export interface GatewayContext {
  /** The services' handlers, shared with the gRPC server. */
  readonly services: Record<string, ServiceHandlers>;
  /** The store client of the connection a request came on. */
  clientFor(req: IncomingMessage): MemoryBackend;
  /** Counts calls as gRPC calls (etcd's gateway goes through its gRPC server). */
  readonly metrics?: CallCounter;
}

const methods = new Map<string, RpcMethod>(allMethods().map((m) => [`${m.service}/${m.method}`, m]));

function kindOf(m: RpcMethod): string {
  return m.requestStream
    ? m.responseStream
      ? 'bidi_stream'
      : 'client_stream'
    : m.responseStream
      ? 'server_stream'
      : 'unary';
}

function metaOf(req: IncomingMessage): RequestMeta {
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return { token: header('grpc-metadata-token') ?? header('authorization'), certCommonName: undefined };
}

function sendError(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(httpStatus(code), { 'Content-Type': 'application/json' }).end(errorBody(code, message));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Serve one gateway request (any path under /v3/); resolves once answered. */
export async function serveGateway(
  ctx: GatewayContext,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = routeFor(path);
  const method = route === undefined ? undefined : methods.get(`${route.service}/${route.method}`);
  if (method === undefined) {
    res
      .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
      .end('Not Found\n');
    return;
  }
  if (req.method !== 'POST') {
    res
      .writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
      .end('Method Not Allowed\n');
    return;
  }
  const kind = kindOf(method);
  const counted = (code: number): void => ctx.metrics?.handled(method.path, kind, code);
  ctx.metrics?.started(method.path, kind);
  const handlers = ctx.services[method.service];
  const meta = metaOf(req);
  if (kind === 'bidi_stream') {
    const handler = handlers?.bidi?.[method.method];
    if (handler === undefined) return unimplemented(res, method, counted);
    const call = new GatewayStreamCall(req, res, method.responseType);
    call.on('error', (e: { code?: number }) => counted(e.code ?? GrpcStatus.UNKNOWN));
    res.on('finish', () => counted(GrpcStatus.OK));
    handler(call as unknown as grpc.ServerDuplexStream<WireMessage, WireMessage>, ctx.clientFor(req), meta);
    // Each JSON value of the body is one request; a value that does not decode ends the input.
    try {
      for await (const value of jsonValues(req)) {
        if (call.writableEnded) break;
        call.emit('data', messageFromJson(method.requestType, value));
      }
    } catch {
      // as grpc-gateway does: stop reading, half-close
    }
    call.emit('end');
    return;
  }
  let request: WireMessage;
  try {
    const body = await readBody(req);
    // As json.Decoder: the first value only (what follows is not read), Go's texts for bad syntax.
    const end = firstValueEnd(body);
    request = end === undefined ? {} : messageFromJson(method.requestType, parseJson(body.slice(0, end)));
  } catch (error) {
    const message =
      error instanceof JsonDecodeError || error instanceof GoJsonSyntaxError ? error.message : String(error);
    counted(GrpcStatus.INVALID_ARGUMENT);
    sendError(res, GrpcStatus.INVALID_ARGUMENT, message);
    return;
  }
  if (kind === 'server_stream') {
    const handler = handlers?.serverStream?.[method.method];
    if (handler === undefined) return unimplemented(res, method, counted);
    const call = new GatewayStreamCall(req, res, method.responseType);
    // A stream waiting for its next message (Observe) stops when the HTTP client goes away.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      for await (const message of handler(ctx.clientFor(req), request, { ...meta, signal: gone.signal })) {
        if (call.writableEnded) return;
        if (!call.write(message)) await new Promise((r) => res.once('drain', r));
      }
      call.end();
      counted(GrpcStatus.OK);
    } catch (error) {
      const status = toStatus(error);
      counted(status.code);
      call.emit('error', status);
    }
    return;
  }
  const handler = handlers?.unary?.[method.method];
  if (handler === undefined) return unimplemented(res, method, counted);
  // A request that can wait (Lock, Campaign) gives up when the HTTP client goes away, as on gRPC.
  let gone: AbortController | undefined;
  if (handlers?.waits?.has(method.method) === true) {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    gone = controller;
  }
  try {
    const response = await handler(
      ctx.clientFor(req),
      request,
      gone === undefined ? meta : { ...meta, signal: gone.signal },
    );
    counted(GrpcStatus.OK);
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify(messageToJson(method.responseType, response)));
  } catch (error) {
    const status = toStatus(error);
    counted(status.code);
    sendError(res, status.code, status.details);
  }
}

function unimplemented(res: ServerResponse, method: RpcMethod, counted: (code: number) => void): void {
  counted(GrpcStatus.UNIMPLEMENTED);
  sendError(
    res,
    GrpcStatus.UNIMPLEMENTED,
    `etcd-kv-kit: ${method.path.slice(1)} is not served by the simulator yet`,
  );
}
