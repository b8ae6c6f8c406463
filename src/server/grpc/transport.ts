/**
 * grpc-go's transport behaviour where grpc-js's differs, so that a client sees what etcd would answer:
 *
 * - a message over the receive limit: grpc-go's text, "grpc: received message larger than max (N vs. M)";
 * - a unary call that ends with no message (UNKNOWN "EOF") or inside one (UNKNOWN "unexpected EOF"),
 *   a stream that ends inside a message (INTERNAL "unexpected EOF"), instead of grpc-js's UNIMPLEMENTED
 *   "Received no request message…" or a silent half-close;
 * - extra messages on a unary call are ignored (grpc-go reads one), not refused;
 * - a message with the compressed flag and no compression, or an unknown flag, is refused with
 *   grpc-go's text (grpc-js would read it as uncompressed), in order after the messages before it;
 * - an OK status carries no message (grpc-js sends "OK").
 *
 * grpc-js's public interceptor API sees parsed messages, not frames, so the frame-level facts come from
 * the call's stream decoder, which this wraps: the one place that relies on grpc-js internals
 * (test/server/wire pins each behaviour). Without that decoder (another grpc-js), only the texts of the
 * statuses grpc-js sends through interceptors are rewritten.
 */

import * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '../../interface/errors.js';
import { DecodeFailure } from './codec.js';
import { goTransportText, type RpcStatus } from './status.js';

/** grpc-go's text when the request ends inside a message. */
const CUT = 'unexpected EOF';

/** grpc-js's per-call internals this module reads (BaseServerInterceptingCall in 1.14). */
interface CallInternals {
  decoder?: { write?: (data: Buffer) => Buffer[] };
  incomingEncoding?: string;
}

/** What the frames of one call showed. */
interface Frames {
  /** The flag byte of each message passed on, in order; the listener takes them as they arrive. */
  readonly flags: number[];
  /** True when bytes of an unfinished message are pending. */
  cut(): boolean;
  /** The grpc-encoding the client declared. */
  readonly encoding: string;
}

/**
 * Wrap the call's decoder to see its frames. On a unary call only the first message is passed on:
 * grpc-go reads one and ignores the rest, where grpc-js would refuse a second.
 */
function watchFrames(call: grpc.ServerInterceptingCallInterface, unary: boolean): Frames | undefined {
  const internals = call as unknown as CallInternals;
  const decoder = internals.decoder;
  const write = decoder?.write;
  if (decoder === undefined || typeof write !== 'function') return undefined;
  let seen = 0;
  let framed = 0;
  let passed = 0;
  const flags: number[] = [];
  decoder.write = (data: Buffer): Buffer[] => {
    seen += data.length;
    let messages: Buffer[];
    try {
      messages = write.call(decoder, data);
    } catch (error) {
      // grpc-js answers RESOURCE_EXHAUSTED with this error's message.
      throw new Error(goTransportText(error instanceof Error ? error.message : String(error)));
    }
    for (const m of messages) framed += m.length;
    if (unary) messages = messages.slice(0, Math.max(0, 1 - passed));
    passed += messages.length;
    for (const m of messages) flags.push(m[0] ?? 0);
    return messages;
  };
  return { flags, cut: () => seen > framed, encoding: internals.incomingEncoding ?? 'identity' };
}

/** grpc-go's refusal of a message's flag byte, if it refuses it. */
function payloadStatus(flag: number, encoding: string): RpcStatus | undefined {
  if (flag === 0) return undefined;
  if (flag === 1) {
    if (encoding === '' || encoding === 'identity') {
      return {
        code: GrpcStatus.INTERNAL,
        details: 'grpc: compressed flag set with identity or empty encoding',
      };
    }
    return undefined; // a real compression: grpc-js decompresses it
  }
  return { code: GrpcStatus.INTERNAL, details: `grpc: received unexpected payload format ${flag}` };
}

/** The interceptor; it must be the server's first, so that it wraps grpc-js's own call. */
export const goTransport: grpc.ServerInterceptor = (method, call) => {
  const unary = !method.requestStream;
  const frames = watchFrames(call, unary);
  let received = 0;
  // Passes a message on to the handler; kept so that a stream cut after it can be reported in order.
  let pass: ((message: unknown) => void) | undefined;
  const listener = new grpc.ServerListenerBuilder()
    .withOnReceiveMessage((message, next) => {
      received++;
      pass = next;
      const refused = frames && payloadStatus(frames.flags.shift() ?? 0, frames.encoding);
      next(refused === undefined ? message : new DecodeFailure(refused, refused));
    })
    .withOnReceiveHalfClose((next) => {
      if (unary) {
        // grpc-js would answer UNIMPLEMENTED "Received no request message…"; after one message,
        // grpc-go has already served it, whatever follows.
        if (received > 0) next();
        else call.sendStatus({ code: GrpcStatus.UNKNOWN, details: frames?.cut() ? CUT : 'EOF' });
      } else if (frames?.cut()) {
        // Handlers end the stream with this after answering what came before, as etcd's loops do.
        const status = { code: GrpcStatus.INTERNAL, details: CUT };
        if (pass !== undefined) pass(new DecodeFailure(status, status));
        else call.sendStatus(status);
      } else next();
    })
    .build();
  const responder = new grpc.ResponderBuilder()
    .withStart((next) => next(listener))
    .withSendStatus((status, next) =>
      next({
        ...status,
        details: status.code === GrpcStatus.OK ? '' : goTransportText(status.details ?? ''),
      }),
    )
    .build();
  return new grpc.ServerInterceptingCall(call, responder);
};
