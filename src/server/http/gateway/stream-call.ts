/**
 * A gRPC bidirectional call as the stream handlers see it (events `data`, `end`, `cancelled`, `close`,
 * `drain`; `write`, `end`, an `error` emit), carried over one HTTP request: requests come from the POST
 * body's JSON values, each response goes out as a line `{"result": …}`, and an error as grpc-gateway's
 * `{"error": {…}}` line. The client's disconnect cancels the call.
 */

import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type protobuf from 'protobufjs';
import type { WireMessage } from '../../wire/message.js';
import { httpStatus, statusText } from './errors.js';
import { messageToJson } from './json.js';

/** The stream end of one gateway call. */
export class GatewayStreamCall extends EventEmitter {
  #wrote = false;
  #ended = false;
  readonly #res: ServerResponse;
  readonly #responseType: protobuf.Type;

  constructor(req: IncomingMessage, res: ServerResponse, responseType: protobuf.Type) {
    super();
    this.#res = res;
    this.#responseType = responseType;
    res.on('drain', () => this.emit('drain'));
    // The client went away: the call is cancelled, as grpc-gateway cancels its gRPC stream.
    res.on('close', () => {
      if (!this.#ended) {
        this.#ended = true;
        this.emit('cancelled');
      }
      this.emit('close');
    });
    req.on('error', () => undefined);
  }

  /** True once the response is over. */
  get destroyed(): boolean {
    return this.#res.destroyed;
  }

  /** True once the call ended. */
  get writableEnded(): boolean {
    return this.#ended;
  }

  #head(status: number): void {
    if (this.#res.headersSent) return;
    this.#res.writeHead(status, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  }

  /** Send one response line; false when the client is not keeping up. */
  write(message: WireMessage): boolean {
    if (this.#ended) return false;
    this.#head(200);
    this.#wrote = true;
    return this.#res.write(`${JSON.stringify({ result: messageToJson(this.#responseType, message) })}\n`);
  }

  /** End the call cleanly. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#head(200);
    this.#res.end();
  }

  /** Handlers end a call with an error by emitting it; it goes out as grpc-gateway's error line. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      const error = args[0] as { code?: number; details?: string; message?: string };
      const code = error.code ?? 2;
      const message = error.details ?? error.message ?? '';
      const http = httpStatus(code);
      const listened = this.listenerCount('error') > 0 && super.emit('error', ...args);
      if (!this.#ended) {
        this.#ended = true;
        if (!this.#wrote) this.#head(http);
        this.#res.end(
          `${JSON.stringify({ error: { grpc_code: code, http_code: http, message, http_status: statusText(http) } })}\n`,
        );
      }
      return listened;
    }
    return super.emit(event, ...args);
  }
}
