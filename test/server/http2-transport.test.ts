import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthorityRewriter } from '../../src/server/transport/authority-rewriter.js';
import {
  EMPTY_SETTINGS,
  encodeFrame,
  encodeHeaders,
  Flags,
  FrameType,
  readFrameHeader,
} from '../../src/server/transport/frames.js';
import { encodeString } from '../../src/server/transport/hpack.js';
import { MAX_OPENING_BYTES, OpeningReader } from '../../src/server/transport/http2-opening.js';
import { openHttp2 } from '../../src/server/transport/open-http2.js';
import { RewritingStream } from '../../src/server/transport/rewriting-stream.js';
import { fcParams } from '../property/harness/budget.js';
import {
  authorities,
  data,
  headers,
  PREFACE,
  ping,
  requestBlock,
  serverView,
  settings,
  settingsAck,
  windowUpdate,
} from './http2-frames.js';

const GO_AUTHORITY = 'http://127.0.0.1:2379';
const SANITIZED = 'http:--127.0.0.1:2379';

function rewriteAll(chunks: Buffer[]): { out: Buffer; rewriter: AuthorityRewriter } {
  const rewriter = new AuthorityRewriter();
  const out = Buffer.concat(chunks.flatMap((chunk) => rewriter.push(chunk)));
  return { out, rewriter };
}

/** Cut `bytes` at the given offsets (sorted, deduplicated). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks.filter((c) => c.length > 0);
}

describe('AuthorityRewriter', () => {
  it('passes a connection with acceptable authorities on byte for byte', () => {
    const input = Buffer.concat([
      PREFACE,
      settings,
      headers(1, requestBlock('127.0.0.1:2379')),
      data(1),
      windowUpdate,
      headers(3, requestBlock('127.0.0.1:2379')),
      ping,
    ]);
    const { out, rewriter } = rewriteAll([input]);
    expect(out).toEqual(input);
    expect(rewriter.rewrittenBlocks).toBe(0);
  });

  it("rewrites every request's authority, keeping the HPACK tables of both sides in step", () => {
    // The second request refers to the first one's :authority entry as Go's encoder does: the first block
    // added :path, :authority, content-type, so the authority is index 63 until this block adds its :path.
    const second = Buffer.concat([
      Buffer.from('8386bf', 'hex'),
      Buffer.from('44', 'hex'),
      encodeString(Buffer.from('/x')),
    ]);
    const input = Buffer.concat([
      PREFACE,
      settings,
      headers(1, requestBlock(GO_AUTHORITY)),
      data(1),
      headers(3, second),
      data(3),
      headers(5, requestBlock('http://[::1]:2379/')),
    ]);
    const { out, rewriter } = rewriteAll([input]);
    const seen = serverView(out);
    expect(authorities(seen)).toEqual([SANITIZED, SANITIZED, 'http:--[::1]:2379-']);
    expect(seen.map((f) => f.type)).toEqual([
      FrameType.SETTINGS,
      FrameType.HEADERS,
      FrameType.DATA,
      FrameType.HEADERS,
      FrameType.DATA,
      FrameType.HEADERS,
    ]);
    // The request that only indexed the entry went on as it came; the other two were rewritten.
    expect(rewriter.rewrittenBlocks).toBe(2);
    expect(seen[3]!.headers).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', SANITIZED],
      [':path', '/x'],
    ]);
  });

  it('rewrites a block split over CONTINUATION frames, dropping padding and keeping priority and END_STREAM', () => {
    const block = requestBlock(GO_AUTHORITY);
    const split = 12; // inside the :authority literal
    const priority = Buffer.from('8000000310', 'hex');
    const padded = Buffer.concat([Buffer.of(3), priority, block.subarray(0, split), Buffer.alloc(3)]);
    const input = Buffer.concat([
      PREFACE,
      settings,
      encodeFrame(FrameType.HEADERS, Flags.PADDED | Flags.PRIORITY | Flags.END_STREAM, 1, padded),
      encodeFrame(FrameType.CONTINUATION, 0, 1, block.subarray(split, split + 4)),
      encodeFrame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(split + 4)),
      ping,
    ]);
    const seen = serverView(rewriteAll([input]).out);
    expect(authorities(seen)).toEqual([SANITIZED]);
    const request = seen[1]!;
    expect(request.flags).toBe(Flags.PRIORITY | Flags.END_STREAM | Flags.END_HEADERS);
    expect(request.payload).toEqual(priority);
    expect(seen[2]!.type).toBe(FrameType.PING);
  });

  it('gives the same output however the input is cut into chunks', () => {
    const input = Buffer.concat([
      PREFACE,
      settings,
      headers(1, requestBlock(GO_AUTHORITY)),
      data(1),
      encodeFrame(FrameType.HEADERS, 0, 3, requestBlock(GO_AUTHORITY).subarray(0, 10)),
      encodeFrame(FrameType.CONTINUATION, Flags.END_HEADERS, 3, requestBlock(GO_AUTHORITY).subarray(10)),
      data(3),
    ]);
    const whole = rewriteAll([input]).out;
    expect(rewriteAll([...input].map((b) => Buffer.of(b))).out).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (offsets) => {
        expect(rewriteAll(cut(input, offsets)).out).toEqual(whole);
      }),
      fcParams(200),
    );
  });

  it('adds the extra header to every request, not to trailers, without touching the HPACK tables', () => {
    // Trailers: a block on stream 1 after its request, with one literal field (never indexed).
    const trailer = Buffer.concat([
      Buffer.of(0x10),
      encodeString(Buffer.from('x-t')),
      encodeString(Buffer.from('1')),
    ]);
    const trailers = encodeFrame(FrameType.HEADERS, Flags.END_HEADERS | Flags.END_STREAM, 1, trailer);
    const input = Buffer.concat([
      PREFACE,
      settings,
      headers(1, requestBlock('127.0.0.1:2379')),
      trailers,
      headers(3, requestBlock(GO_AUTHORITY)),
    ]);
    const rewriter = new AuthorityRewriter(['etcd-kv-kit-peer', '127.0.0.1:50000']);
    const seen = serverView(Buffer.concat(rewriter.push(input)));
    const tags = seen
      .filter((f) => f.type === FrameType.HEADERS)
      .map((f) => f.headers?.filter(([name]) => name === 'etcd-kv-kit-peer').map(([, v]) => v));
    expect(tags).toEqual([['127.0.0.1:50000'], [], ['127.0.0.1:50000']]);
    expect(authorities(seen)).toEqual(['127.0.0.1:2379', SANITIZED]);
    expect(rewriter.rewrittenBlocks).toBe(1);
  });

  it('passes DATA on as it arrives, without waiting for the whole frame', () => {
    const rewriter = new AuthorityRewriter();
    rewriter.push(Buffer.concat([PREFACE, settings]));
    const frame = encodeFrame(FrameType.DATA, 0, 1, Buffer.alloc(16_384, 1));
    expect(Buffer.concat(rewriter.push(frame.subarray(0, 100)))).toEqual(frame.subarray(0, 100));
    expect(Buffer.concat(rewriter.push(frame.subarray(100)))).toEqual(frame.subarray(100));
  });

  it('gives up on a block HPACK cannot decode and passes everything on from there', () => {
    const bad = headers(1, Buffer.from('80', 'hex')); // index 0
    const rest = Buffer.concat([headers(3, requestBlock(GO_AUTHORITY)), data(3)]);
    const rewriter = new AuthorityRewriter();
    const out = Buffer.concat([
      ...rewriter.push(Buffer.concat([PREFACE, settings, bad])),
      ...rewriter.push(rest),
    ]);
    expect(rewriter.passingThrough).toBe(true);
    expect(out).toEqual(Buffer.concat([PREFACE, settings, bad, rest]));
  });

  it('gives up on CONTINUATION without HEADERS, and on another frame inside a block', () => {
    const orphan = encodeFrame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, requestBlock(GO_AUTHORITY));
    const a = Buffer.concat([PREFACE, settings, orphan, headers(3, requestBlock(GO_AUTHORITY))]);
    expect(rewriteAll([a]).out).toEqual(a);
    const open = encodeFrame(FrameType.HEADERS, 0, 1, requestBlock(GO_AUTHORITY));
    const b = Buffer.concat([PREFACE, settings, open, ping]);
    const { out, rewriter } = rewriteAll([b]);
    expect(out).toEqual(b);
    expect(rewriter.passingThrough).toBe(true);
  });
});

describe('encodeHeaders', () => {
  it('splits a block larger than the frame size into HEADERS and CONTINUATION', () => {
    const block = Buffer.alloc(40_000, 0x82);
    const frames = encodeHeaders(5, Flags.END_STREAM | Flags.PADDED | Flags.END_HEADERS, undefined, block);
    const parsed = frames.map((f) => readFrameHeader(f, 0));
    expect(parsed.map((h) => [h.type, h.flags, h.length, h.streamId])).toEqual([
      [FrameType.HEADERS, Flags.END_STREAM, 16_384, 5],
      [FrameType.CONTINUATION, 0, 16_384, 5],
      [FrameType.CONTINUATION, Flags.END_HEADERS, 40_000 - 2 * 16_384, 5],
    ]);
  });
});

describe('OpeningReader', () => {
  const valid = headers(1, requestBlock('127.0.0.1:2379'));
  const go = headers(1, requestBlock(GO_AUTHORITY));

  it('hands a client that does not wait for SETTINGS over at once, as it came', () => {
    const reader = new OpeningReader();
    const input = Buffer.concat([PREFACE, settings, windowUpdate, valid, data(1)]);
    const step = reader.push(input);
    expect(step.reply).toBeUndefined();
    expect(step.handover).toEqual({ rewrite: false, bytes: input });
    const bad = new OpeningReader().push(Buffer.concat([PREFACE, settings, go]));
    expect(bad.handover?.rewrite).toBe(true);
  });

  it('sends SETTINGS to a client that waits, and removes exactly its ACK before the handover', () => {
    const reader = new OpeningReader();
    expect(reader.push(PREFACE)).toEqual({});
    expect(reader.push(settings)).toEqual({ reply: EMPTY_SETTINGS });
    expect(reader.settled).toBe(false);
    expect(reader.push(settingsAck)).toEqual({});
    expect(reader.settled).toBe(true);
    // A second ACK is a client's error (the server has sent nothing else to acknowledge): it goes on for
    // nghttp2 to answer, and the verdict reached before it stands.
    const step = reader.push(Buffer.concat([go, data(1), settingsAck]));
    expect(step.handover).toEqual({
      rewrite: true,
      bytes: Buffer.concat([PREFACE, settings, go, data(1), settingsAck]),
    });
  });

  it('waits for the ACK when the request comes first, and removes it from between other frames', () => {
    const reader = new OpeningReader();
    expect(reader.push(Buffer.concat([PREFACE, settings])).reply).toEqual(EMPTY_SETTINGS);
    expect(reader.push(Buffer.concat([valid, data(1)]))).toEqual({});
    const step = reader.push(Buffer.concat([settingsAck, ping]));
    expect(step.handover).toEqual({
      rewrite: false,
      bytes: Buffer.concat([PREFACE, settings, valid, data(1), ping]),
    });
  });

  it('hands an idle client over at its first frame outside the handshake', () => {
    const reader = new OpeningReader();
    reader.push(Buffer.concat([PREFACE, settings]));
    expect(reader.push(settingsAck)).toEqual({});
    expect(reader.push(windowUpdate)).toEqual({});
    expect(reader.push(ping).handover).toEqual({
      rewrite: false,
      bytes: Buffer.concat([PREFACE, settings, windowUpdate, ping]),
    });
  });

  it('rewrites when any request before the handover needs it', () => {
    const reader = new OpeningReader();
    reader.push(Buffer.concat([PREFACE, settings]));
    expect(reader.push(Buffer.concat([valid, headers(3, requestBlock(GO_AUTHORITY))]))).toEqual({});
    expect(reader.push(settingsAck).handover?.rewrite).toBe(true);
  });

  it('waits for CONTINUATION without sending SETTINGS, and decides at END_HEADERS', () => {
    const block = requestBlock(GO_AUTHORITY);
    const reader = new OpeningReader();
    expect(
      reader.push(
        Buffer.concat([PREFACE, settings, encodeFrame(FrameType.HEADERS, 0, 1, block.subarray(0, 9))]),
      ),
    ).toEqual({});
    const step = reader.push(encodeFrame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(9)));
    expect(step.reply).toBeUndefined();
    expect(step.handover?.rewrite).toBe(true);
  });

  it('gives the same handover however the input is cut', () => {
    const input = Buffer.concat([PREFACE, settings, go, data(1)]);
    const reader = new OpeningReader();
    let handover: unknown;
    for (const byte of input) {
      const step = reader.push(Buffer.of(byte));
      if (step.handover) {
        handover = step.handover;
        break;
      }
    }
    // Byte by byte, the client SETTINGS is complete before the request: we send ours and wait for the ACK.
    expect(handover).toBeUndefined();
    expect(reader.push(settingsAck).handover).toEqual({ rewrite: true, bytes: input });
  });

  it('hands malformed openings over unread, for nghttp2 to answer', () => {
    const garbage = Buffer.concat([PREFACE, Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    expect(new OpeningReader().push(garbage).handover).toEqual({ rewrite: false, bytes: garbage });
    const oversized = Buffer.concat([PREFACE, settings, Buffer.from('00ffff01040000000100', 'hex')]);
    expect(new OpeningReader().push(oversized).handover).toEqual({ rewrite: false, bytes: oversized });
    const earlyAck = Buffer.concat([PREFACE, settings, settingsAck]);
    expect(new OpeningReader().push(earlyAck).handover).toEqual({ rewrite: false, bytes: earlyAck });
    const badBlock = Buffer.concat([PREFACE, settings, headers(1, Buffer.from('80', 'hex'))]);
    expect(new OpeningReader().push(badBlock).handover).toEqual({ rewrite: false, bytes: badBlock });
    const notPreface = Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n');
    expect(new OpeningReader().push(notPreface).handover?.rewrite).toBe(false);
  });

  it('stops buffering at MAX_OPENING_BYTES', () => {
    const reader = new OpeningReader();
    reader.push(Buffer.concat([PREFACE, settings]));
    let step = reader.push(Buffer.concat(Array.from({ length: 1000 }, () => windowUpdate)));
    while (step.handover === undefined)
      step = reader.push(Buffer.concat(Array.from({ length: 1000 }, () => windowUpdate)));
    expect(step.handover.bytes.length).toBeGreaterThan(MAX_OPENING_BYTES);
    expect(step.handover.rewrite).toBe(false);
    expect(() => reader.push(ping)).toThrow(/already handed over/);
  });
});

describe('openHttp2', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A stand-in for a client socket: records what the server writes. */
  function fakeSocket(): { socket: Socket; written: Buffer[] } {
    const written: Buffer[] = [];
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk);
        callback();
      },
    });
    Object.assign(duplex, { remoteAddress: '127.0.0.1', remotePort: 50000 });
    return { socket: duplex as unknown as Socket, written };
  }

  it('clears its timer when the client leaves mid-handshake', () => {
    vi.useFakeTimers();
    const { socket, written } = fakeSocket();
    const ready = vi.fn();
    openHttp2(socket, Buffer.concat([PREFACE, settings]), 30_000, ready);
    expect(written).toEqual([EMPTY_SETTINGS]);
    expect(vi.getTimerCount()).toBe(1);
    socket.destroy();
    socket.emit('close');
    expect(vi.getTimerCount()).toBe(0);
    expect(ready).not.toHaveBeenCalled();
  });

  it('disconnects a client that does not finish the handshake in time, and not one that did', () => {
    vi.useFakeTimers();
    const slow = fakeSocket();
    openHttp2(slow.socket, Buffer.concat([PREFACE, settings]), 30_000, () => {});
    vi.advanceTimersByTime(30_000);
    expect(slow.socket.destroyed).toBe(true);
    // A client that acknowledged our SETTINGS may then stay quiet: no timer is left running for it.
    const idle = fakeSocket();
    openHttp2(idle.socket, Buffer.concat([PREFACE, settings]), 30_000, () => {});
    idle.socket.emit('data', settingsAck);
    expect(vi.getTimerCount()).toBe(0);
    expect(idle.socket.destroyed).toBe(false);
  });

  it('hands over the socket itself, or a RewritingStream, with what was read', () => {
    const native = fakeSocket();
    let got: unknown;
    openHttp2(
      native.socket,
      Buffer.concat([PREFACE, settings, headers(1, requestBlock('127.0.0.1:1'))]),
      30_000,
      (s) => {
        got = s;
      },
    );
    expect(got).toBe(native.socket);
    expect(native.socket.readableLength).toBeGreaterThan(0); // put back for nghttp2
    const go = fakeSocket();
    openHttp2(
      go.socket,
      Buffer.concat([PREFACE, settings, headers(1, requestBlock(GO_AUTHORITY))]),
      30_000,
      (s) => {
        got = s;
      },
    );
    expect(got).toBeInstanceOf(RewritingStream);
    (got as RewritingStream).destroy();
    expect(go.socket.destroyed).toBe(true);
  });
});
