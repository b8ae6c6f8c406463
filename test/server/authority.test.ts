/**
 * Clients whose `:authority` Node's HTTP/2 server (nghttp2) refuses — Go's gRPC client given endpoints
 * with a scheme sends `http://127.0.0.1:PORT` — are served; every other connection stays on the native path.
 */

import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../src/server/grpc/proto.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { isValidAuthority } from '../../src/server/transport/authority.js';
import { EMPTY_SETTINGS, encodeFrame, Flags, FrameType, PREFACE } from '../../src/server/transport/frames.js';
import { DynamicTable, decodeHeaderBlock, encodeString } from '../../src/server/transport/hpack.js';

const run = promisify(execFile);

let server: RunningServer;
let endpoint: string;
let port: number;

beforeAll(async () => {
  server = await startServer({ listenClientUrls: ['http://127.0.0.1:0'] });
  endpoint = server.endpoints[0]!;
  port = Number(new URL(endpoint).port);
});
afterAll(async () => {
  await server?.close();
});

/** Poll `read` until it returns `want` (the server notices closed sockets asynchronously). */
async function eventually<T>(read: () => T, want: T, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (read() !== want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(read()).toBe(want);
}

/** One unary gRPC call over an HTTP/2 session, with the given :authority. */
async function unary(
  session: http2.ClientHttp2Session,
  authority: string,
  method: string,
  requestType: string,
  request: object,
): Promise<{ status: string | undefined; message: Buffer }> {
  const body = messageType(requestType).encode(request).finish();
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  Buffer.from(body).copy(frame, 5);
  const stream = session.request({
    ':method': 'POST',
    ':path': method,
    ':authority': authority,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.end(frame);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const status = await new Promise<string | undefined>((resolve, reject) => {
    stream.on('trailers', (t) => resolve(t['grpc-status'] as string | undefined));
    stream.on('error', reject);
    stream.on('close', () => resolve(undefined));
  });
  return { status, message: Buffer.concat(chunks).subarray(5) };
}

describe("nghttp2's authority check", () => {
  it('matches isValidAuthority for every octet', async () => {
    // A plain Node HTTP/2 server, fed one raw request per octet (Node's client would refuse some octets).
    const plain = http2.createServer();
    plain.on('stream', (s) => s.respond({ ':status': 200 }, { endStream: true }));
    plain.on('sessionError', () => {});
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const { port: plainPort } = plain.address() as net.AddressInfo;
    const accepted = async (octet: number): Promise<boolean> => {
      const socket = net.connect(plainPort, '127.0.0.1');
      const value = Buffer.from([0x61, octet, 0x62]);
      const block = Buffer.concat([Buffer.from('828684', 'hex'), Buffer.of(0x01, value.length), value]);
      socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS, encodeFrame(FrameType.HEADERS, 5, 1, block)]));
      let seen = Buffer.alloc(0);
      try {
        return await new Promise<boolean>((resolve, reject) => {
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            seen = Buffer.concat([seen, chunk]);
            for (let p = 0; p + 9 <= seen.length; p += 9 + seen.readUIntBE(p, 3)) {
              if (seen[p + 3] === FrameType.HEADERS) resolve(true);
              if (seen[p + 3] === FrameType.RST_STREAM || seen[p + 3] === FrameType.GOAWAY) resolve(false);
            }
          });
        });
      } finally {
        socket.destroy();
      }
    };
    try {
      for (let octet = 0; octet < 256; octet++) {
        expect(await accepted(octet), `octet 0x${octet.toString(16)}`).toBe(
          isValidAuthority(Buffer.of(octet)),
        );
      }
    } finally {
      plain.close();
    }
  });
});

describe('a scheme-prefixed :authority', () => {
  it('gets gRPC answers over a rewritten connection that keeps its own store client', async () => {
    const session = http2.connect(endpoint);
    session.on('error', () => {});
    const before = server.stats();
    try {
      const authority = `http://127.0.0.1:${port}`;
      const put = await unary(session, authority, '/etcdserverpb.KV/Put', 'PutRequest', {
        key: Buffer.from('authority/k'),
        value: Buffer.from('v1'),
      });
      expect(put.status).toBe('0');
      const range = await unary(session, authority, '/etcdserverpb.KV/Range', 'RangeRequest', {
        key: Buffer.from('authority/k'),
      });
      expect(range.status).toBe('0');
      const kvs = (
        messageType('RangeResponse').decode(range.message) as unknown as { kvs: { value: Uint8Array }[] }
      ).kvs;
      expect(kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['v1']);
      expect(server.stats().rewritingConnections).toBe(before.rewritingConnections + 1);
      // The calls found their connection by peer address: one new store client, for this connection.
      expect(server.stats().clients).toBe(before.clients + 1);
    } finally {
      session.close();
    }
    await eventually(() => server.stats().rewritingConnections, before.rewritingConnections);
    // Closing the connection closed its client (a shared fallback client would have stayed).
    await eventually(() => server.stats().clients, before.clients);
  });

  it('serves an etcd3 client told to send it, watches included, and cleans up after it', async () => {
    const before = server.stats();
    const client = new Etcd3({ hosts: endpoint, grpcOptions: { 'grpc.default_authority': endpoint } });
    try {
      const watcher = await client.watch().key('authority/watched').create();
      const event = new Promise<string>((resolve) => watcher.on('put', (kv) => resolve(kv.value.toString())));
      await client.put('authority/watched').value('seen');
      expect(await event).toBe('seen');
      const during = server.stats();
      expect(during.rewritingConnections).toBe(before.rewritingConnections + 1);
      expect(during.watchers).toBe(before.watchers + 1);
      expect(during.clients).toBe(before.clients + 1);
      // etcd3's close() leaves the connection open while a watch stream is.
      await watcher.cancel();
    } finally {
      client.close();
    }
    // The calls used the connection's own store client (not a shared fallback): closing it closed that.
    await eventually(() => server.stats().clients, before.clients);
    await eventually(() => server.stats().watchers, before.watchers);
    await eventually(() => server.stats().rewritingConnections, before.rewritingConnections);
  });

  it('fails on a plain Node HTTP/2 server (what the rewrite is for)', async () => {
    const plain = http2.createServer();
    plain.on('stream', (s) => s.respond({ ':status': 200 }, { endStream: true }));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const { port: plainPort } = plain.address() as net.AddressInfo;
    const session = http2.connect(`http://127.0.0.1:${plainPort}`);
    session.on('error', () => {});
    try {
      const stream = session.request({ ':path': '/', ':authority': `http://127.0.0.1:${plainPort}` });
      stream.end();
      const error = await new Promise<unknown>((resolve) => {
        stream.on('error', resolve);
        stream.on('response', () => resolve(undefined));
      });
      expect(error).toMatchObject({ code: 'ERR_HTTP2_STREAM_ERROR' });
      expect(String(error)).toMatch(/NGHTTP2_PROTOCOL_ERROR/);
    } finally {
      session.close();
      plain.close();
    }
  });
});

describe('the native path', () => {
  it('serves an etcd3 client without rewriting', async () => {
    const client = new Etcd3({ hosts: endpoint });
    try {
      await client.put('authority/native').value('1');
      expect(await client.get('authority/native').string()).toBe('1');
      const stats = server.stats();
      expect(stats.connections).toBeGreaterThanOrEqual(1);
      expect(stats.rewritingConnections).toBe(0);
    } finally {
      client.close();
    }
  });

  it('serves a Node HTTP/2 client with an acceptable :authority without rewriting', async () => {
    const session = http2.connect(endpoint);
    session.on('error', () => {});
    try {
      const range = await unary(session, `127.0.0.1:${port}`, '/etcdserverpb.KV/Range', 'RangeRequest', {
        key: Buffer.from('authority/none'),
      });
      expect(range.status).toBe('0');
      expect(server.stats().rewritingConnections).toBe(0);
    } finally {
      session.close();
    }
  });
});

describe('etcdctl 3.4 with http:// endpoints', () => {
  const etcdctl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('etcdctl', [`--endpoints=${endpoint}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      timeout: 20_000,
    });
    return stdout;
  };

  it('runs endpoint status, endpoint health, put and get', async () => {
    const status = JSON.parse(await etcdctl('-w', 'json', 'endpoint', 'status')) as {
      Endpoint: string;
      Status: { header: { member_id: number } };
    }[];
    expect(status.map((s) => s.Endpoint)).toEqual([endpoint]);
    expect(status[0]!.Status.header.member_id).toBeTruthy();
    // Table output goes to stderr in 3.4; JSON to stdout.
    const health = JSON.parse(await etcdctl('-w', 'json', 'endpoint', 'health')) as { health: boolean }[];
    expect(health.map((h) => h.health)).toEqual([true]);
    expect((await etcdctl('put', 'authority/ctl', 'from-etcdctl')).trim()).toBe('OK');
    expect((await etcdctl('get', 'authority/ctl', '--print-value-only')).trim()).toBe('from-etcdctl');
  });
});

describe('connections that stop during the opening', () => {
  /** Open a raw connection, send `bytes`, and collect what the server sends back until `until` matches. */
  async function raw(bytes: Buffer, until: (received: Buffer) => boolean): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let received = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (until(received)) resolve();
      });
      socket.on('close', () => resolve());
      socket.write(bytes);
    });
    return socket;
  }

  it('closes cleanly when the client leaves before acknowledging our SETTINGS', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timers();
    const connections = server.stats().connections;
    const socket = await raw(Buffer.concat([PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0)]), (r) =>
      r.equals(EMPTY_SETTINGS),
    );
    expect(server.stats().connections).toBe(connections + 1);
    socket.destroy();
    await eventually(() => server.stats().connections, connections);
    // Other timers of this process may end meanwhile; a leaked one would still show as one more.
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it('lets nghttp2 answer garbage after the preface, and keeps serving', async () => {
    const connections = server.stats().connections;
    const socket = await raw(Buffer.concat([PREFACE, Buffer.from('not a frame at all')]), () => false);
    expect(socket.destroyed || socket.readableEnded).toBe(true);
    await eventually(() => server.stats().connections, connections);
    const session = http2.connect(endpoint);
    session.on('error', () => {});
    try {
      const range = await unary(
        session,
        `http://127.0.0.1:${port}`,
        '/etcdserverpb.KV/Range',
        'RangeRequest',
        {
          key: Buffer.from('x'),
        },
      );
      expect(range.status).toBe('0');
    } finally {
      session.close();
    }
  });

  it('serves a client that sends its request with the preface and a Huffman-coded authority in CONTINUATION', async () => {
    const block = Buffer.concat([
      Buffer.from('8386', 'hex'),
      Buffer.from('44', 'hex'),
      encodeString(Buffer.from('/etcdserverpb.KV/Range')),
      Buffer.from('41', 'hex'),
      encodeString(Buffer.from(`http://127.0.0.1:${port}`)),
      Buffer.from('5f', 'hex'),
      encodeString(Buffer.from('application/grpc')),
      Buffer.from('00', 'hex'),
      encodeString(Buffer.from('te')),
      encodeString(Buffer.from('trailers')),
    ]);
    const body = Buffer.from(
      messageType('RangeRequest')
        .encode({ key: Buffer.from('x') })
        .finish(),
    );
    const message = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    // Decode the server's header blocks with a table of our own, as a client would.
    const table = new DynamicTable();
    const fields: [string, string][] = [];
    let read = 0;
    const socket = await raw(
      Buffer.concat([
        PREFACE,
        encodeFrame(FrameType.SETTINGS, 0, 0),
        encodeFrame(FrameType.HEADERS, 0, 1, block.subarray(0, 8)),
        encodeFrame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, block.subarray(8)),
        encodeFrame(FrameType.DATA, Flags.END_STREAM, 1, message),
      ]),
      (r) => {
        for (
          ;
          read + 9 <= r.length && read + 9 + r.readUIntBE(read, 3) <= r.length;
          read += 9 + r.readUIntBE(read, 3)
        ) {
          if (r[read + 3] !== FrameType.HEADERS) continue;
          fields.push(...decodeHeaderBlock(r.subarray(read + 9, read + 9 + r.readUIntBE(read, 3)), table));
          if ((r[read + 4]! & Flags.END_STREAM) !== 0) return true; // the trailers
        }
        return false;
      },
    );
    expect(fields).toContainEqual([':status', '200']);
    expect(fields).toContainEqual(['grpc-status', '0']);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });
});
