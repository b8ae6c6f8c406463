/**
 * The opening of an HTTP/2 connection, read before the connection goes to grpc-js: enough of it to see
 * the first request's `:authority`. Node's HTTP/2 server (nghttp2) resets any stream whose authority has
 * a character outside RFC 3986's set, such as the "/" of `http://127.0.0.1:2379`, which Go's gRPC client
 * sends for etcd endpoints given with a scheme. A connection whose requests are fine goes to grpc-js as
 * the socket itself (nghttp2 reads it natively, fast); one that needs it gets a stream that rewrites the
 * authority (see authority-rewriter.ts), which costs a JavaScript hop for every octet.
 *
 * gRPC clients (Go's and grpc-js alike) send their first request only after the server's SETTINGS, so the
 * reader sends an empty SETTINGS frame as soon as the client's own SETTINGS is in, and later removes
 * exactly the client's acknowledgement of it: nghttp2, which never sent that frame, would take an
 * unexpected ACK as a connection error. The connection is handed over once the first request's header
 * block is complete and the acknowledgement (if one is owed) has been removed, or at the first frame
 * that is not part of the handshake (a PING from an idle client, say). At anything nghttp2 will take as
 * a connection error (garbage, an oversized frame, a second ACK — Node answers that one with GOAWAY) the
 * connection is handed over at once, for nghttp2 to answer as it would have.
 */

import { isAuthorityHeader, isValidAuthority } from './authority.js';
import {
  DEFAULT_MAX_FRAME_SIZE,
  EMPTY_SETTINGS,
  Flags,
  FRAME_HEADER_LENGTH,
  FrameType,
  PREFACE,
  readFrameHeader,
  splitHeadersPayload,
} from './frames.js';
import { DynamicTable, HpackError, headerFields } from './hpack.js';

/** More octets than this before the handover, and the connection is handed over as it is. */
export const MAX_OPENING_BYTES = 256 * 1024;

/** The reader's answer to the octets it was given. */
export interface OpeningStep {
  /** Octets to write to the client now (our SETTINGS). */
  readonly reply?: Buffer;
  /** Present once the connection can go to the HTTP/2 server. */
  readonly handover?: Handover;
}

/** How the connection goes on. */
export interface Handover {
  /** Whether its requests need their authority rewritten. */
  readonly rewrite: boolean;
  /** Everything the client sent, less the acknowledgement of our SETTINGS: the server reads this first. */
  readonly bytes: Buffer;
}

/**
 * Reads a client's octets from the connection preface on until it can say how the connection goes on.
 * Pure: the caller moves the octets (see open-http2.ts).
 */
export class OpeningReader {
  readonly #table = new DynamicTable();
  #data: Buffer = Buffer.alloc(0);
  /** Where the next frame starts in `#data`. */
  #position = 0;
  #clientSettings = false;
  #sentSettings = false;
  #ackRemoved = false;
  /** The first request, or a frame that is not part of the handshake, has arrived. */
  #ready = false;
  #rewrite = false;
  #block: { streamId: number; fragments: Buffer[] } | undefined;
  #handedOver = false;

  /**
   * Whether the handshake is over: the client has acknowledged our SETTINGS (or the connection was
   * handed over). After that a connection may stay quiet before its first request as long as it likes,
   * as it could on grpc-js.
   */
  get settled(): boolean {
    return this.#handedOver || this.#ackRemoved;
  }

  /** Take the next octets from the client. Call no more once a step has a handover. */
  push(chunk: Buffer): OpeningStep {
    if (this.#handedOver) throw new Error('the connection was already handed over');
    this.#data = this.#data.length === 0 ? chunk : Buffer.concat([this.#data, chunk]);
    if (this.#data.length > MAX_OPENING_BYTES) return this.#handOver(this.#rewrite);
    if (this.#position === 0) {
      if (this.#data.length < PREFACE.length) return {};
      if (!this.#data.subarray(0, PREFACE.length).equals(PREFACE)) return this.#handOver(false);
      this.#position = PREFACE.length;
    }
    // nghttp2 ends the connection at what we could not read; a verdict reached before it stands.
    if (!this.#readFrames()) return this.#handOver(this.#rewrite);
    if (this.#ready && (!this.#sentSettings || this.#ackRemoved)) return this.#handOver(this.#rewrite);
    if (this.#clientSettings && !this.#sentSettings && !this.#ready && this.#block === undefined) {
      // The client may be waiting for our SETTINGS before its first request (gRPC clients do).
      this.#sentSettings = true;
      return { reply: EMPTY_SETTINGS };
    }
    return {};
  }

  /**
   * Read every complete frame (after the first request too: a later request in the same octets may need
   * the rewrite); false at one that nghttp2 will take as a connection error, so reading must stop.
   */
  #readFrames(): boolean {
    while (this.#data.length - this.#position >= FRAME_HEADER_LENGTH) {
      const start = this.#position;
      const { length, type, flags, streamId } = readFrameHeader(this.#data, start);
      // Larger than the server allows before its SETTINGS say otherwise: a FRAME_SIZE_ERROR for nghttp2.
      if (length > DEFAULT_MAX_FRAME_SIZE) return false;
      const end = start + FRAME_HEADER_LENGTH + length;
      if (end > this.#data.length) break;
      const payload = this.#data.subarray(start + FRAME_HEADER_LENGTH, end);
      this.#position = end;
      if (!this.#clientSettings) {
        // The client preface goes on with a SETTINGS frame (RFC 9113 §3.4).
        if (type !== FrameType.SETTINGS || (flags & Flags.ACK) !== 0) return false;
        this.#clientSettings = true;
      } else if (this.#block !== undefined) {
        if (type !== FrameType.CONTINUATION || streamId !== this.#block.streamId) return false;
        this.#block.fragments.push(payload);
        if (flags & Flags.END_HEADERS && !this.#endBlock()) return false;
      } else if (type === FrameType.SETTINGS && (flags & Flags.ACK) !== 0) {
        // Only the ACK of our own SETTINGS is expected; nghttp2 answers any other itself.
        if (!this.#sentSettings || this.#ackRemoved) return false;
        this.#data = Buffer.concat([this.#data.subarray(0, start), this.#data.subarray(end)]);
        this.#position = start;
        this.#ackRemoved = true;
      } else if (type === FrameType.HEADERS) {
        const parts = splitHeadersPayload(flags, payload);
        if (parts === undefined) return false;
        this.#block = { streamId, fragments: [parts.fragment] };
        if (flags & Flags.END_HEADERS && !this.#endBlock()) return false;
      } else if (type === FrameType.CONTINUATION) {
        return false;
      } else if (
        type !== FrameType.SETTINGS &&
        type !== FrameType.WINDOW_UPDATE &&
        type !== FrameType.PRIORITY
      ) {
        this.#ready = true;
      }
    }
    return true;
  }

  /** A request's header block is complete: see whether its authority needs rewriting. */
  #endBlock(): boolean {
    const block = Buffer.concat(this.#block!.fragments);
    this.#block = undefined;
    this.#ready = true;
    try {
      for (const field of headerFields(block, this.#table)) {
        if (isAuthorityHeader(field.name) && !isValidAuthority(field.value)) this.#rewrite = true;
      }
    } catch (error) {
      if (error instanceof HpackError) return false;
      throw error;
    }
    return true;
  }

  #handOver(rewrite: boolean): OpeningStep {
    this.#handedOver = true;
    const bytes = this.#data;
    this.#data = Buffer.alloc(0);
    return { handover: { rewrite, bytes } };
  }
}
