/**
 * The differential runner of the wire tests: each case goes to the real etcd, then to the simulator;
 * the answers (shown as text, see wire-targets.ts) must be equal, etcd's may be pinned by the case,
 * and a refused request, or a stream, must leave each store as it was.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { rawHttp2 } from './raw-grpc.js';
import {
  b,
  decoded,
  enc,
  showStatus,
  showStream,
  showUnary,
  snapshot,
  type useWireTargets,
  type WireTarget,
} from './wire-targets.js';

export const KV = '/etcdserverpb.KV/';
export const LEASE = '/etcdserverpb.Lease/';
export const WATCH = '/etcdserverpb.Watch/Watch';
export const KEEPALIVE = '/etcdserverpb.Lease/LeaseKeepAlive';
export const MAX = '9223372036854775807';
export const MIN = '-9223372036854775808';
export const P62 = '4611686018427387904';
/** How etcd words a unary request that does not decode. */
export const UNMARSHAL = 'ERR 13 grpc: error unmarshalling request:';
/** How etcd words a stream message that does not decode. */
export const STREAM_UNMARSHAL = '13 grpc: failed to unmarshal the received message';

export const range = (o: object): Buffer => enc('RangeRequest', { key: b('a'), ...o });
export const txn = (o: object): Buffer => enc('TxnRequest', o);
export const create = (o: object = {}): Buffer =>
  enc('WatchRequest', { create_request: { key: b('a'), ...o } });
export const cancel = (id: string | number): Buffer =>
  enc('WatchRequest', { cancel_request: { watch_id: id } });
export const PROGRESS = enc('WatchRequest', { progress_request: {} });
export const keepAlive = (id: string | number): Buffer => enc('LeaseKeepAliveRequest', { ID: id });

type Targets = ReturnType<typeof useWireTargets>;

/** Keys a=1, b=2, c=3 (revisions 2–4) and lease 77 (TTL 1000 s) on both servers. */
export function seed(t: Targets): void {
  beforeAll(async () => {
    for (const target of [t.etcd(), t.server()]) {
      for (const [key, value] of [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
      ] as const) {
        const r = await target.raw.unary(`${KV}Put`, enc('PutRequest', { key: b(key), value: b(value) }));
        expect(r.ok, `${target.name}: seed put`).toBe(true);
      }
      const lease = enc('LeaseGrantRequest', { TTL: 1000, ID: 77 });
      expect((await target.raw.unary(`${LEASE}LeaseGrant`, lease)).ok, `${target.name}: seed lease`).toBe(
        true,
      );
    }
  });
}

/** A unary request and what etcd answers to it. */
export interface UnaryCase {
  name: string;
  path: string;
  body: Buffer;
  /** Response message type, to compare decoded responses. */
  response: string;
  /** etcd's answer: exact, or "OK" for any success. */
  etcd?: string;
  /** Compare only success or the status (responses that differ by design, e.g. MemberList URLs). */
  statusOnly?: boolean;
}

/** Send `c` to `target`; a refused request must leave the store unchanged. */
export async function unaryOn(target: WireTarget, c: Omit<UnaryCase, 'etcd' | 'name'>): Promise<string> {
  const before = await snapshot(target);
  const r = await target.raw.unary(c.path, c.body);
  if (!r.ok) {
    expect(await snapshot(target), `${target.name}: a refused request changed the store`).toBe(before);
  }
  if (c.statusOnly) return r.ok ? 'OK' : `ERR ${showStatus(r.status)}`;
  return showUnary(r, c.response);
}

function checkEtcd(shown: string, expected: string | undefined): void {
  if (expected === undefined) return;
  if (expected === 'OK') expect(shown.startsWith('OK'), shown).toBe(true);
  else expect(shown).toBe(expected);
}

/** One test per case, in order. */
export function unaryCases(t: Targets, title: string, cases: UnaryCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const etcd = await unaryOn(t.etcd(), c);
        const server = await unaryOn(t.server(), c);
        checkEtcd(etcd, c.etcd);
        expect(server).toBe(etcd);
      });
    }
  });
}

/** Messages sent on a bidi stream and what etcd answers. */
export interface StreamCase {
  name: string;
  path: string;
  frames: Buffer[];
  response: string;
  halfClose?: boolean;
  /** Watch: end with a progress request and stop at its answer (everything before it has arrived). */
  sentinel?: boolean;
  /** Stop after this many responses. */
  replies?: number;
  /** etcd's answer (all of it, or the end status with `statusOnly`). */
  etcd?: string;
  /** Compare the end status only (which responses precede a failure is a race in etcd). */
  statusOnly?: boolean;
}

function isProgress(bytes: Buffer): boolean {
  const m = decoded('WatchResponse', bytes) as Record<string, unknown>;
  return m.watch_id === '-1' && !m.created && !m.canceled && m.events === undefined;
}

async function streamOn(target: WireTarget, c: StreamCase): Promise<string> {
  const before = await snapshot(target);
  const frames = c.sentinel ? [...c.frames, PROGRESS] : c.frames;
  const replies = c.replies;
  const until = c.sentinel
    ? (ms: Buffer[]) => ms.length > 0 && isProgress(ms.at(-1)!)
    : replies !== undefined
      ? (ms: Buffer[]) => ms.length >= replies
      : undefined;
  const r = await target.raw.bidi(c.path, frames, { halfClose: c.halfClose ?? false, until, settleMs: 1000 });
  expect(await snapshot(target), `${target.name}: a stream changed the store`).toBe(before);
  return c.statusOnly ? showStatus(r.status) : showStream(r, c.response);
}

/** One test per case, in order. */
export function streamCases(t: Targets, title: string, cases: StreamCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const etcd = await streamOn(t.etcd(), c);
        const server = await streamOn(t.server(), c);
        if (c.etcd !== undefined) expect(etcd).toBe(c.etcd);
        expect(server).toBe(etcd);
      });
    }
  });
}

/** Bytes sent on a raw HTTP/2 stream, how the client ends it, and etcd's end status. */
export interface TransportCase {
  name: string;
  path: string;
  body: Buffer;
  ending: 'end' | 'reset' | 'open';
  etcd: string;
}

async function transportOn(target: WireTarget, c: TransportCase): Promise<string> {
  const before = await snapshot(target);
  const r = await rawHttp2(target.endpoint, c.path, c.body, c.ending, 500);
  expect(await snapshot(target), `${target.name}: changed the store`).toBe(before);
  return r.grpcStatus === undefined ? 'no status' : showStatus(r.grpcStatus);
}

/** One test per case, in order. */
export function transportCases(t: Targets, title: string, cases: TransportCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const etcd = await transportOn(t.etcd(), c);
        const server = await transportOn(t.server(), c);
        expect(etcd).toBe(c.etcd);
        expect(server).toBe(etcd);
      });
    }
  });
}
