/**
 * Message (de)serialization for grpc-js. Decoding never throws into grpc-js (which would answer its own
 * text): a message that does not decode becomes a {@link DecodeFailure} that the handler answers with
 * etcd's status, so the client sees what grpc-go would have said.
 */

import type protobuf from 'protobufjs';

/** A request whose bytes did not decode; `reason` is grpc-go's wording when we know it. */
export class DecodeFailure {
  constructor(readonly reason: string) {}
}

/** grpc-go's wording for a protobufjs decode error. */
function goReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text.startsWith('index out of range')) return 'unexpected EOF';
  const wire = /^invalid wire type (\d+)/.exec(text);
  if (wire) return `proto: wrong wireType = ${wire[1]}`;
  return `proto: ${text}`;
}

/** Serialize and deserialize functions for one message type. */
export interface Codec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): Record<string, unknown> | DecodeFailure;
}

/** A codec for `type`; responses are plain objects shaped like the message. */
export function codecFor<T extends object>(type: protobuf.Type): Codec<T> {
  return {
    serialize(value: T): Buffer {
      const bytes = type.encode(value as Record<string, unknown>).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize(bytes: Buffer): Record<string, unknown> | DecodeFailure {
      try {
        return type.decode(bytes) as unknown as Record<string, unknown>;
      } catch (error) {
        return new DecodeFailure(goReason(error));
      }
    },
  };
}
