/**
 * Resource hygiene of the simulator server: 1,000 HTTP/2 connections, each with a Watch and a
 * LeaseKeepAlive stream, dropped in every way a client can drop them — closed cleanly, socket
 * destroyed mid-stream, cut mid-request, garbage, half-closed mid-message — plus raw TCP connections
 * that never speak gRPC, and 300 stream pairs dropped on one connection that stays (a leak per stream
 * would hide behind a closing connection). Meanwhile another client keeps writing and watching. Afterwards the server
 * holds no connection, stream, store client or watcher, the store holds only that client's writes, the
 * manual clock holds no timer once the one lease is revoked, and the process holds no more timers or
 * sockets than before.
 */

import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { toText } from '../../../src/common/bytes.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { create, KEEPALIVE, keepAlive, WATCH } from '../wire/differential.js';
import { grpcFrame } from '../wire/raw-grpc.js';
import { b, hex } from '../wire/wire-targets.js';

const CONNECTIONS = 1_000;
const BATCH = 100;
const LEASE = 77n;

let server: RunningServer;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock();
  server = await startServer({ clock, progressNotifyIntervalMs: 60_000 });
});

afterAll(async () => {
  await server?.close();
});

function openStream(session: ClientHttp2Session, path: string): ClientHttp2Stream {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  return stream;
}

function firstData(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('data', () => resolve());
    stream.once('close', () => reject(new Error('stream closed before its first answer')));
  });
}

/** Resolves once the session is gone (`closed` is already true while a graceful close waits). */
function closed(session: ClientHttp2Session): Promise<void> {
  return session.destroyed
    ? Promise.resolve()
    : new Promise((resolve) => session.once('close', () => resolve()));
}

/** The ways a client goes away; `i` picks one. */
const ENDINGS = ['clean', 'socket destroyed', 'cut mid-request', 'garbage', 'half-closed mid-message'];

/** One client: a watch (every other one with progress notification) and a keepalive, then gone. */
async function client(endpoint: string, i: number): Promise<void> {
  const url = new URL(endpoint);
  // Our own socket, so that it can be destroyed under the HTTP/2 session.
  const socket = tcpConnect(Number(url.port), url.hostname);
  socket.on('error', () => {});
  const session = connect(endpoint, { createConnection: () => socket });
  session.on('error', () => {});
  const watch = openStream(session, WATCH);
  const keep = openStream(session, KEEPALIVE);
  const answered = Promise.all([firstData(watch), firstData(keep)]);
  watch.write(grpcFrame(create({ key: b(`h/${i}`), progress_notify: i % 2 === 0 })));
  keep.write(grpcFrame(keepAlive(String(LEASE))));
  await answered;
  const half = grpcFrame(hex('0a0161'), 40); // a frame that promises 40 bytes and brings 3
  switch (ENDINGS[i % ENDINGS.length]) {
    case 'clean':
      watch.close(constants.NGHTTP2_CANCEL);
      keep.end();
      session.close();
      break;
    case 'socket destroyed':
      socket.destroy();
      break;
    case 'cut mid-request':
      watch.write(half);
      keep.write(half);
      await new Promise((r) => setTimeout(r, 1));
      socket.destroy();
      break;
    case 'garbage':
      // The server ends both streams with INTERNAL; the client then closes its side and goes.
      watch.end(grpcFrame(hex('0a05')));
      keep.end(grpcFrame(hex('0a05')));
      session.close();
      break;
    default:
      watch.end(half);
      keep.end(half);
      session.close();
  }
  await closed(session);
}

/** Stream pairs on one connection that stays, each dropped in a way that keeps the connection. */
async function streamsOn(session: ClientHttp2Session, i: number): Promise<void> {
  const watch = openStream(session, WATCH);
  const keep = openStream(session, KEEPALIVE);
  const answered = Promise.all([firstData(watch), firstData(keep)]);
  watch.write(grpcFrame(create({ key: b(`s/${i}`), progress_notify: true })));
  keep.write(grpcFrame(keepAlive(String(LEASE))));
  await answered;
  const ended = Promise.all([watch, keep].map((s) => new Promise((r) => s.once('close', r))));
  switch (i % 3) {
    case 0: // the client cancels
      watch.close(constants.NGHTTP2_CANCEL);
      keep.close(constants.NGHTTP2_CANCEL);
      break;
    case 1: // garbage: the server ends both
      watch.end(grpcFrame(hex('0a05')));
      keep.end(grpcFrame(hex('0a05')));
      break;
    default: // half-closed inside a message: the server ends both
      watch.end(grpcFrame(hex('0a0161'), 40));
      keep.end(grpcFrame(hex('0a0161'), 40));
  }
  await ended;
}

/** TCP connections that never make a gRPC call: silent, HTTP/1 garbage, half a preface. */
async function rawTcp(port: number, i: number): Promise<void> {
  const socket = tcpConnect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  if (i % 3 === 1) socket.write('\x00\x01 not a request\r\n\r\n');
  if (i % 3 === 2) socket.write('PRI * HTTP/2.0\r\n');
  await new Promise((r) => setTimeout(r, 5));
  socket.destroy();
  await new Promise((r) => (socket.closed ? r(undefined) : socket.once('close', r)));
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function everything(): string {
  const r = server.store.range({ key: '\0', rangeEnd: '\0' });
  return JSON.stringify(r.kvs.map((kv) => [toText(kv.key), toText(kv.value), kv.modRevision]));
}

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

it(`${CONNECTIONS} connections with a watch and a keepalive, dropped every way, leave nothing behind`, async () => {
  const endpoint = server.endpoints[0]!;
  const port = Number(new URL(endpoint).port);
  const store = server.store;
  store.leaseGrant({ ttl: 1000, id: LEASE });
  store.put({ key: 'before', value: 'x' });
  const before = { revision: store.revision, kvs: everything(), resources: resources() };

  // Another client, writing and watching all along.
  const control = new EtcdBackend({ endpoints: server.endpoints });
  const seen: string[] = [];
  const watcher = control.watch({ key: 'control/', rangeEnd: 'control0' });
  const watching = (async () => {
    for await (const r of watcher) for (const e of r.events) seen.push(toText(e.kv.key));
  })();
  watching.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  await watcher.created;

  let writes = 0;
  for (let start = 0; start < CONNECTIONS; start += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, j) => client(endpoint, start + j));
    const tcp = Array.from({ length: 5 }, (_, j) => rawTcp(port, start + j));
    await control.put({ key: `control/${writes++}`, value: 'v' });
    await Promise.all([...batch, ...tcp]);
  }
  await until('the control watch has every event', () => seen.length === writes);
  expect(seen).toEqual(Array.from({ length: writes }, (_, i) => `control/${i}`));
  await watcher.cancel();
  await watching;
  await control.close();

  // Streams come and go on one connection that stays: the server lets go of each one.
  const stays = connect(endpoint);
  stays.on('error', () => {});
  for (let start = 0; start < 300; start += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, 300 - start) }, (_, j) => streamsOn(stays, start + j)),
    );
  }
  await until(`streams let go: ${JSON.stringify(server.stats())}`, () => {
    const s = server.stats();
    return s.connections === 1 && s.clients === 1 && s.streams === 0 && s.watchers === 0;
  });
  stays.close();
  await closed(stays);

  await until(`nothing held: ${JSON.stringify(server.stats())}`, () => {
    const s = server.stats();
    return s.connections === 0 && s.streams === 0 && s.clients === 0 && s.watchers === 0;
  });
  // Refused and dropped requests changed nothing; the control client's writes are all there is.
  expect(store.revision).toBe(before.revision + writes);
  const afterKvs = JSON.parse(everything()) as [string, string, number][];
  expect(JSON.stringify(afterKvs.filter(([k]) => !k.startsWith('control/')))).toBe(before.kvs);
  expect(store.leaseCount).toBe(1);
  // The lease keeps the lessor's timer; without it, no timer is left (no progress timer either).
  expect(clock.pendingTimers).toBe(1);
  store.leaseRevoke({ id: LEASE });
  expect(clock.pendingTimers).toBe(0);
  // The process holds no more timers or sockets than before.
  await until(`process resources back: ${JSON.stringify(resources())}`, () => {
    const now = resources();
    return ['Timeout', 'TCPSocketWrap', 'TCPWRAP'].every((k) => (now[k] ?? 0) <= (before.resources[k] ?? 0));
  });
}, 60_000);
