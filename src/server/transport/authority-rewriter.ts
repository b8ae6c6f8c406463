/**
 * The client-to-server half of an HTTP/2 connection, with every `:authority`/`host` value that nghttp2
 * would refuse replaced by one it accepts. Frames other than HEADERS/CONTINUATION pass through untouched
 * (and unbuffered); a header block is held until its END_HEADERS, decoded against a copy of the client's
 * HPACK table, and sent on as it came unless a value had to change (or a header is added), then
 * re-framed.
 */

import { isAuthorityHeader, sanitizeAuthority } from './authority.js';
import {
  encodeHeaders,
  Flags,
  FRAME_HEADER_LENGTH,
  FrameType,
  PREFACE,
  readFrameHeader,
  splitHeadersPayload,
} from './frames.js';
import { DynamicTable, encodeString, HpackError, rewriteHeaderBlock } from './hpack.js';

/** A header block larger than this is passed on as it is, and so is the rest of the connection. */
export const MAX_HEADER_BLOCK = 256 * 1024;

const NOTHING = Buffer.alloc(0);

/** A header block being collected: the frames as they came, and the block fragments they carry. */
interface PendingBlock {
  readonly streamId: number;
  readonly flags: number;
  readonly priority: Buffer | undefined;
  readonly frames: Buffer[];
  readonly fragments: Buffer[];
  size: number;
}

const fixAuthority = (name: string, value: Buffer): Buffer | undefined =>
  isAuthorityHeader(name) ? sanitizeAuthority(value) : undefined;

/** A header to add to every request, as a literal never put in the HPACK table (so tables stay in step). */
export type ExtraHeader = readonly [name: string, value: string];

/**
 * Rewrites a client's octet stream (from the connection preface on). Feed it with {@link push}; what it
 * returns goes to the HTTP/2 server in order. If the stream stops making sense (a header block HPACK
 * cannot decode, CONTINUATION out of place, a block over {@link MAX_HEADER_BLOCK}), it passes everything
 * on unchanged from there: the server then sees the client's own bytes and answers them itself. That is
 * safe at any point because a rewrite never changes an HPACK table entry's name or size.
 */
export class AuthorityRewriter {
  readonly #table = new DynamicTable();
  /** The encoded extra header, if any. */
  readonly #extra: Buffer | undefined;
  /** The highest stream a request opened: a HEADERS frame on a lower one carries trailers. */
  #lastStream = 0;
  #prefaceLeft = PREFACE.length;
  /** Octets of the current frame (not header-carrying) still to pass on. */
  #verbatim = 0;
  /** An incomplete frame header, or an incomplete HEADERS/CONTINUATION frame. */
  #pending: Buffer = NOTHING;
  #block: PendingBlock | undefined;
  #passthrough = false;
  #rewritten = 0;

  /** `extra`: a header to append to every request's header block (not to trailers). */
  constructor(extra?: ExtraHeader) {
    this.#extra =
      extra === undefined
        ? undefined
        : Buffer.concat([
            Buffer.of(0),
            encodeString(Buffer.from(extra[0])),
            encodeString(Buffer.from(extra[1])),
          ]);
  }

  /** Header blocks in which a value was replaced. */
  get rewrittenBlocks(): number {
    return this.#rewritten;
  }

  /** Whether the rewriter gave up and passes everything on unchanged. */
  get passingThrough(): boolean {
    return this.#passthrough;
  }

  /** Take the next octets from the client; returns what to send on, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.#passthrough) return [chunk];
    const out: Buffer[] = [];
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = NOTHING;
    let position = 0;
    if (this.#prefaceLeft > 0) {
      position = Math.min(this.#prefaceLeft, data.length);
      this.#prefaceLeft -= position;
    }
    let runStart = 0; // start of octets to pass on as they are
    while (position < data.length) {
      if (this.#verbatim > 0) {
        const n = Math.min(this.#verbatim, data.length - position);
        position += n;
        this.#verbatim -= n;
        continue;
      }
      if (data.length - position < FRAME_HEADER_LENGTH) break;
      const header = readFrameHeader(data, position);
      const carriesHeaders =
        header.type === FrameType.HEADERS ||
        header.type === FrameType.CONTINUATION ||
        this.#block !== undefined;
      if (!carriesHeaders) {
        this.#verbatim = FRAME_HEADER_LENGTH + header.length;
        continue;
      }
      if (header.length > MAX_HEADER_BLOCK) {
        out.push(data.subarray(runStart, position), ...this.#giveUp(), data.subarray(position));
        return out.filter((b) => b.length > 0);
      }
      const end = position + FRAME_HEADER_LENGTH + header.length;
      if (end > data.length) break;
      out.push(data.subarray(runStart, position));
      out.push(
        ...this.#headerFrame(header.type, header.flags, header.streamId, data.subarray(position, end)),
      );
      position = end;
      runStart = end;
      if (this.#passthrough) {
        out.push(data.subarray(position));
        return out.filter((b) => b.length > 0);
      }
    }
    out.push(data.subarray(runStart, position));
    // Keep the unfinished frame; copy it so the chunk it came in can be freed.
    this.#pending = position < data.length ? Buffer.from(data.subarray(position)) : NOTHING;
    return out.filter((b) => b.length > 0);
  }

  /** One HEADERS or CONTINUATION frame (or any frame that arrived inside a header block). */
  #headerFrame(type: number, flags: number, streamId: number, frame: Buffer): Buffer[] {
    const payload = frame.subarray(FRAME_HEADER_LENGTH);
    let block = this.#block;
    if (type === FrameType.HEADERS && block === undefined) {
      const parts = splitHeadersPayload(flags, payload);
      if (parts === undefined) return this.#giveUp(frame);
      block = { streamId, flags, priority: parts.priority, frames: [], fragments: [], size: 0 };
      this.#block = block;
      block.fragments.push(parts.fragment);
    } else if (type === FrameType.CONTINUATION && block !== undefined && block.streamId === streamId) {
      block.fragments.push(payload);
    } else {
      // CONTINUATION without its HEADERS, or another frame inside a block: a PROTOCOL_ERROR for the server.
      return this.#giveUp(frame);
    }
    block.frames.push(frame);
    block.size += payload.length;
    if (block.size > MAX_HEADER_BLOCK) return this.#giveUp();
    if ((flags & Flags.END_HEADERS) === 0) return [];
    this.#block = undefined;
    const whole = Buffer.concat(block.fragments);
    let rewritten: Buffer | undefined;
    try {
      rewritten = rewriteHeaderBlock(whole, this.#table, fixAuthority);
    } catch (error) {
      if (!(error instanceof HpackError)) throw error;
      this.#passthrough = true;
      return block.frames;
    }
    if (rewritten !== undefined) this.#rewritten += 1;
    if (this.#extra !== undefined && block.streamId > this.#lastStream) {
      rewritten = Buffer.concat([rewritten ?? whole, this.#extra]);
    }
    this.#lastStream = Math.max(this.#lastStream, block.streamId);
    if (rewritten === undefined) return block.frames;
    return encodeHeaders(block.streamId, block.flags, block.priority, rewritten);
  }

  /** Stop rewriting: send on the held frames (and `frame`) and everything after them as they are. */
  #giveUp(frame?: Buffer): Buffer[] {
    this.#passthrough = true;
    const held = this.#block?.frames ?? [];
    this.#block = undefined;
    return frame === undefined ? held : [...held, frame];
  }
}
