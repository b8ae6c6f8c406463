/**
 * The two servers a wire-level differential test talks to — a real etcd and the simulator, started
 * with the same limits — and the helpers to build requests and to show answers in a form that can be
 * compared: decoded messages with the fields that cannot match (cluster, member, term) left out,
 * statuses as "code details".
 */

import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { messageType } from '../../../src/server/grpc/proto.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { type EtcdServer, etcdVersion, startEtcd } from '../../../src/testing/etcd-server.js';
import { RawClient, type RawStatus, type RawStreamResult, type RawUnaryResult } from './raw-grpc.js';

/** --max-request-bytes on both servers: small, so that over-limit messages stay small too. */
export const MAX_REQUEST_BYTES = 1024;
/** gRPC's receive limit as etcd sets it: max-request-bytes + 512 KiB. */
export const GRPC_LIMIT = MAX_REQUEST_BYTES + 512 * 1024;

/** One server under test. */
export interface WireTarget {
  readonly name: 'etcd' | 'server';
  readonly endpoint: string;
  readonly raw: RawClient;
}

/** A real etcd and the simulator, started before the file's tests and stopped after. */
export function useWireTargets(): {
  etcd(): WireTarget;
  server(): WireTarget;
  running(): RunningServer;
  clock(): ManualClock;
  etcdProcess(): EtcdServer;
} {
  let etcd: EtcdServer | undefined;
  let server: RunningServer | undefined;
  let clock: ManualClock | undefined;
  let targets: { etcd: WireTarget; server: WireTarget } | undefined;
  beforeAll(async () => {
    clock = new ManualClock();
    etcd = await startEtcd({ extraArgs: ['--max-request-bytes', String(MAX_REQUEST_BYTES)] });
    // The simulator runs as the release it is compared with.
    server = await startServer({
      clock,
      maxRequestBytes: MAX_REQUEST_BYTES,
      minLeaseTtl: 1,
      etcdVersion: await etcdVersion(etcd.endpoint),
    });
    const endpoint = server.endpoints[0]!;
    targets = {
      etcd: { name: 'etcd', endpoint: etcd.endpoint, raw: new RawClient(etcd.endpoint) },
      server: { name: 'server', endpoint, raw: new RawClient(endpoint) },
    };
  });
  afterAll(async () => {
    targets?.etcd.raw.close();
    targets?.server.raw.close();
    await Promise.all([etcd?.stop(), server?.close()]);
  });
  const get = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('wire targets used before setup');
    return v;
  };
  return {
    etcd: () => get(targets).etcd,
    server: () => get(targets).server,
    running: () => get(server),
    clock: () => get(clock),
    etcdProcess: () => get(etcd),
  };
}

/** Encode `value` as etcdserverpb's `type` (int64 as numbers or decimal strings, enums as numbers). */
export function enc(type: string, value: object): Buffer {
  const t = messageType(type);
  return Buffer.from(t.encode(t.fromObject(value)).finish());
}

/** Bytes from hex, spaces allowed. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s/g, ''), 'hex');
}

/** `s` as bytes. */
export function b(s: string): Buffer {
  return Buffer.from(s);
}

const UNMATCHABLE = new Set(['cluster_id', 'member_id', 'raft_term']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!UNMATCHABLE.has(k)) out[k] = strip(v);
  return out;
}

/** A response message decoded, bytes as text, without the fields that cannot match. */
export function decoded(type: string, bytes: Buffer): unknown {
  const t = messageType(type);
  return strip(t.toObject(t.decode(bytes), { longs: String, bytes: String, enums: Number }));
}

/** A status as "code details". */
export function showStatus(s: RawStatus | undefined): string {
  return s === undefined ? 'open' : `${s.code} ${s.details}`;
}

/** A unary answer as text: "OK {json}" or "ERR code details". */
export function showUnary(r: RawUnaryResult, responseType: string): string {
  return r.ok ? `OK ${JSON.stringify(decoded(responseType, r.bytes))}` : `ERR ${showStatus(r.status)}`;
}

/** A stream's answers as text: each message, then how it ended. */
export function showStream(r: RawStreamResult, responseType: string): string {
  const messages = r.messages.map((m) => JSON.stringify(decoded(responseType, m)));
  return [...messages, `=> ${showStatus(r.status)}`].join(' | ');
}

/** Revision and every key-value, as text: what must not change when a request is refused. */
export async function snapshot(t: WireTarget): Promise<string> {
  const everything = enc('RangeRequest', { key: b('\0'), range_end: b('\0') });
  const r = await t.raw.unary('/etcdserverpb.KV/Range', everything);
  if (!r.ok) throw new Error(`${t.name}: snapshot range failed: ${showStatus(r.status)}`);
  return showUnary(r, 'RangeResponse');
}
