/** Client-side HTTP/2 frames for the transport tests, and a server's view of what the transport sends on. */

import { isValidAuthority } from '../../src/server/transport/authority.js';
import {
  encodeFrame,
  Flags,
  FRAME_HEADER_LENGTH,
  FrameType,
  PREFACE,
  readFrameHeader,
  splitHeadersPayload,
} from '../../src/server/transport/frames.js';
import { DynamicTable, decodeHeaderBlock, encodeString } from '../../src/server/transport/hpack.js';

export { PREFACE };
export const settings = encodeFrame(FrameType.SETTINGS, 0, 0, Buffer.from('000300000064', 'hex'));
export const settingsAck = encodeFrame(FrameType.SETTINGS, Flags.ACK, 0);
export const windowUpdate = encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from('0000ff00', 'hex'));
export const ping = encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8, 7));

/** A gRPC request's header block as Go writes it: POST, http, a literal :path, the :authority indexed. */
export function requestBlock(authority: string, path = '/etcdserverpb.KV/Range'): Buffer {
  return Buffer.concat([
    Buffer.from('8386', 'hex'),
    Buffer.from('44', 'hex'),
    encodeString(Buffer.from(path)),
    Buffer.from('41', 'hex'),
    encodeString(Buffer.from(authority)),
    Buffer.from('5f', 'hex'), // content-type (static 31), indexed
    encodeString(Buffer.from('application/grpc')),
  ]);
}

/** A HEADERS frame carrying a whole block. */
export function headers(streamId: number, block: Buffer, flags: number = Flags.END_HEADERS): Buffer {
  return encodeFrame(FrameType.HEADERS, flags, streamId, block);
}

/** An empty gRPC message that ends the stream. */
export function data(streamId: number): Buffer {
  return encodeFrame(FrameType.DATA, Flags.END_STREAM, streamId, Buffer.alloc(5));
}

/** A frame as the server sees it: header blocks decoded with the server's own HPACK table. */
export interface SeenFrame {
  type: number;
  flags: number;
  streamId: number;
  headers?: [string, string][];
  payload?: Buffer;
}

/**
 * Decode what a server would read: the preface, then frames; HEADERS+CONTINUATION joined and decoded with
 * a table of the server's own. Throws if a header block breaks the rules or an authority is one nghttp2
 * refuses, as nghttp2 would.
 */
export function serverView(bytes: Buffer, table = new DynamicTable()): SeenFrame[] {
  if (!bytes.subarray(0, PREFACE.length).equals(PREFACE)) throw new Error('no preface');
  const frames: SeenFrame[] = [];
  let position = PREFACE.length;
  let block: { frame: SeenFrame; fragments: Buffer[] } | undefined;
  while (position < bytes.length) {
    const header = readFrameHeader(bytes, position);
    const payload = bytes.subarray(
      position + FRAME_HEADER_LENGTH,
      position + FRAME_HEADER_LENGTH + header.length,
    );
    if (payload.length !== header.length) throw new Error('truncated frame');
    position += FRAME_HEADER_LENGTH + header.length;
    if (block !== undefined) {
      if (header.type !== FrameType.CONTINUATION) throw new Error('frame inside a header block');
      block.fragments.push(payload);
    } else if (header.type === FrameType.HEADERS) {
      const parts = splitHeadersPayload(header.flags, payload)!;
      const frame: SeenFrame = { type: header.type, flags: header.flags, streamId: header.streamId };
      if (parts.priority !== undefined) frame.payload = parts.priority;
      block = { frame, fragments: [parts.fragment] };
      frames.push(frame);
    } else {
      frames.push({ ...header, payload });
      continue;
    }
    if (header.flags & Flags.END_HEADERS) {
      block.frame.headers = decodeHeaderBlock(Buffer.concat(block.fragments), table);
      for (const [name, value] of block.frame.headers) {
        if (name === ':authority' && !isValidAuthority(Buffer.from(value, 'latin1'))) {
          throw new Error(`nghttp2 would refuse :authority ${value}`);
        }
      }
      block = undefined;
    }
  }
  if (block !== undefined) throw new Error('unfinished header block');
  return frames;
}

/** The :authority of each request seen. */
export function authorities(frames: SeenFrame[]): string[] {
  return frames.flatMap((f) => f.headers?.filter(([name]) => name === ':authority').map(([, v]) => v) ?? []);
}
