/**
 * A raw gRPC client for wire-level tests: it sends exactly the bytes it is given (no schema, no
 * client-side checks, no size limits) and returns exactly what came back — response bytes, or the
 * status code and details — so the same request can be put to a real etcd and to the simulator.
 * `rawHttp2` goes one level lower, for what grpc-js will not send: a frame cut off mid-message, a
 * stream reset, bytes that are not gRPC framing at all.
 */

import { connect, constants } from 'node:http2';
import * as grpc from '@grpc/grpc-js';

/** A gRPC status as the client saw it. */
export interface RawStatus {
  code: number;
  details: string;
}

/** A unary call's outcome. */
export type RawUnaryResult = { ok: true; bytes: Buffer } | { ok: false; status: RawStatus };

/** What a bidi stream returned before it ended (or before we stopped waiting). */
export interface RawStreamResult {
  messages: Buffer[];
  /** The status the stream ended with; undefined when it was still open after `settleMs`. */
  status: RawStatus | undefined;
}

const identity = (b: Buffer): Buffer => b;

/** A raw client for one endpoint. */
export class RawClient {
  readonly #client: grpc.Client;

  constructor(endpoint: string) {
    this.#client = new grpc.Client(endpoint.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
    });
  }

  /** One unary call with `body` as the request message. */
  unary(path: string, body: Buffer, deadlineMs = 10_000): Promise<RawUnaryResult> {
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(
        path,
        identity,
        identity,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (error, bytes) => {
          if (error) resolve({ ok: false, status: { code: error.code, details: error.details } });
          else resolve({ ok: true, bytes: bytes ?? Buffer.alloc(0) });
        },
      );
    });
  }

  /**
   * A bidi stream: writes `frames` in order, half-closes if `halfClose`, then collects responses until
   * the stream ends, `until(messages)` holds, or `settleMs` pass with nothing new; then cancels it.
   */
  bidi(
    path: string,
    frames: Buffer[],
    options: { halfClose?: boolean; settleMs?: number; until?: (messages: Buffer[]) => boolean } = {},
  ): Promise<RawStreamResult> {
    const settleMs = options.settleMs ?? 300;
    return new Promise((resolve) => {
      const call = this.#client.makeBidiStreamRequest(path, identity, identity);
      const messages: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (status: RawStatus | undefined): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (status === undefined) call.cancel();
        resolve({ messages, status });
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(undefined), settleMs);
      };
      call.on('data', (m: Buffer) => {
        messages.push(m);
        if (options.until?.(messages)) finish(undefined);
        else arm();
      });
      call.on('error', () => {}); // the status event carries it
      call.on('status', (s: grpc.StatusObject) => finish({ code: s.code, details: s.details }));
      for (const f of frames) call.write(f);
      if (options.halfClose) call.end();
      arm();
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** One gRPC message frame: compressed flag 0, big-endian length, the bytes. */
export function grpcFrame(message: Buffer, declaredLength = message.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, message]);
}

/** What a raw HTTP/2 request got back: the HTTP status, gRPC status (headers or trailers), and data. */
export interface RawHttp2Result {
  httpStatus: number | undefined;
  grpcStatus: RawStatus | undefined;
  data: Buffer;
  /** The stream was reset or the session failed before a gRPC status arrived. */
  reset: boolean;
}

/**
 * A gRPC request over plain HTTP/2: `body` is written as is (frame it with {@link grpcFrame}, or
 * don't); `ending` says whether the client then ends its side ("end"), resets the stream ("reset"), or
 * does neither and waits for the server ("open"; the stream is reset after `waitMs`).
 */
export function rawHttp2(
  endpoint: string,
  path: string,
  body: Buffer,
  ending: 'end' | 'reset' | 'open',
  waitMs = 1_000,
): Promise<RawHttp2Result> {
  return new Promise((resolve) => {
    const session = connect(endpoint);
    session.on('error', () => {});
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const result: RawHttp2Result = {
      httpStatus: undefined,
      grpcStatus: undefined,
      data: Buffer.alloc(0),
      reset: false,
    };
    const chunks: Buffer[] = [];
    const readStatus = (h: Record<string, unknown>): void => {
      if (h['grpc-status'] === undefined) return;
      result.grpcStatus = {
        code: Number(h['grpc-status']),
        details: decodeURIComponent(String(h['grpc-message'] ?? '')),
      };
    };
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      result.data = Buffer.concat(chunks);
      session.destroy();
      resolve(result);
    };
    stream.on('response', (h) => {
      result.httpStatus = Number(h[':status']);
      readStatus(h);
    });
    stream.on('trailers', readStatus);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('close', () => {
      if (result.grpcStatus === undefined) result.reset = true;
      done();
    });
    stream.write(body);
    if (ending === 'end') stream.end();
    else if (ending === 'reset') {
      // Let the bytes leave first, so the server sees a message begun and then abandoned.
      setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), 50);
    }
    timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), waitMs);
  });
}
