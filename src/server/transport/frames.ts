/** HTTP/2 framing (RFC 9113 §3.4, §4, §6): what the transport needs to walk a client's frames. */

/** The client connection preface (§3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Frame header length. */
export const FRAME_HEADER_LENGTH = 9;

/** SETTINGS_MAX_FRAME_SIZE until the server says otherwise, and the least it may say (§6.5.2). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

/** Frame types (§6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags (§6). */
export const Flags = {
  ACK: 0x1,
  END_STREAM: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** A frame's 9-octet header. */
export interface FrameHeader {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
}

/** Read the frame header at `offset` (the caller checks that 9 octets are there). */
export function readFrameHeader(data: Buffer, offset: number): FrameHeader {
  return {
    length: data.readUIntBE(offset, 3),
    type: data[offset + 3]!,
    flags: data[offset + 4]!,
    streamId: data.readUInt32BE(offset + 5) & 0x7fffffff,
  };
}

/** Encode one frame. */
export function encodeFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payload.length);
  frame.writeUIntBE(payload.length, 0, 3);
  frame[3] = type;
  frame[4] = flags;
  frame.writeUInt32BE(streamId & 0x7fffffff, 5);
  payload.copy(frame, FRAME_HEADER_LENGTH);
  return frame;
}

/** An empty SETTINGS frame: "your defaults are fine". */
export const EMPTY_SETTINGS = encodeFrame(FrameType.SETTINGS, 0, 0);

/** The parts of a HEADERS frame's payload (§6.2): optional priority fields and the block fragment. */
export interface HeadersPayload {
  /** The 5 priority octets, when the PRIORITY flag is set. */
  readonly priority: Buffer | undefined;
  readonly fragment: Buffer;
}

/** Split a HEADERS payload; undefined when its padding or priority fields do not fit (a PROTOCOL_ERROR). */
export function splitHeadersPayload(flags: number, payload: Buffer): HeadersPayload | undefined {
  let start = 0;
  let end = payload.length;
  if (flags & Flags.PADDED) {
    const padding = payload[0];
    if (padding === undefined) return undefined;
    start = 1;
    end -= padding;
  }
  let priority: Buffer | undefined;
  if (flags & Flags.PRIORITY) {
    priority = payload.subarray(start, start + 5);
    start += 5;
  }
  if (end < start) return undefined;
  return { priority, fragment: payload.subarray(start, end) };
}

/**
 * Frame a header block as one HEADERS frame and as many CONTINUATION frames as `maxFrameSize` needs.
 * `flags` are the original HEADERS flags; padding is dropped, END_STREAM and priority are kept.
 */
export function encodeHeaders(
  streamId: number,
  flags: number,
  priority: Buffer | undefined,
  block: Buffer,
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
): Buffer[] {
  const frames: Buffer[] = [];
  const head = priority === undefined ? Buffer.alloc(0) : priority;
  const firstRoom = maxFrameSize - head.length;
  let offset = Math.min(firstRoom, block.length);
  const firstFlags =
    (flags & (Flags.END_STREAM | Flags.PRIORITY)) | (offset === block.length ? Flags.END_HEADERS : 0);
  frames.push(
    encodeFrame(FrameType.HEADERS, firstFlags, streamId, Buffer.concat([head, block.subarray(0, offset)])),
  );
  while (offset < block.length) {
    const end = Math.min(offset + maxFrameSize, block.length);
    const last = end === block.length;
    frames.push(
      encodeFrame(
        FrameType.CONTINUATION,
        last ? Flags.END_HEADERS : 0,
        streamId,
        block.subarray(offset, end),
      ),
    );
    offset = end;
  }
  return frames;
}
