/**
 * The store's snapshot: its whole state — every stored key version with its revision, sub-revision,
 * create revision, version and lease; the current and compact revisions; live leases with their granted
 * and remaining TTLs; raised alarms — as one UTF-8 JSON document (bytes in base64, int64s as decimal
 * strings). This is the simulator's own format: etcd's is a bolt file, which the simulator neither
 * writes nor reads.
 *
 * Over the wire (Maintenance.Snapshot) the data goes in 32 KiB chunks followed by its SHA-256, as etcd
 * sends it; `etcdctl snapshot save` writes data and hash to the file (it checks only that the size is a
 * multiple of 512 plus 32, so the data is padded to 512 bytes), and {@link decodeSnapshot} accepts the
 * file with or without that trailer (checking it when present). `etcdctl snapshot status` and
 * `snapshot restore` read bolt files and refuse it.
 */

import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../interface/errors.js';

/** The `format` field of every snapshot. */
export const SNAPSHOT_FORMAT = 'etcd-kv-kit snapshot';
/** The layout version this code writes and reads. */
export const SNAPSHOT_VERSION = 1;
/** The snapshot's size is a multiple of this (etcdctl expects a bolt file's page granularity). */
const SNAPSHOT_PAGE_BYTES = 512;
/** etcd's snapshot chunk size. */
export const SNAPSHOT_CHUNK_BYTES = 32 * 1024;

/** One stored key version, as the snapshot holds it. */
export interface SnapshotVersion {
  /** Latin-1 storage strings. */
  readonly key: string;
  readonly value: string;
  readonly mod: number;
  readonly sub: number;
  /** 0 for a deletion (tombstone). */
  readonly create: number;
  readonly version: number;
  readonly lease: bigint;
}

/** A live lease. */
export interface SnapshotLease {
  readonly id: bigint;
  readonly ttl: number;
  /** Milliseconds left when the snapshot was taken, on the store's clock. */
  readonly remainingMs: number;
}

/** A decoded snapshot. */
export interface SnapshotState {
  readonly revision: number;
  readonly compactRevision: number;
  /** In (mod, sub) order. */
  readonly versions: readonly SnapshotVersion[];
  readonly leases: readonly SnapshotLease[];
  readonly alarms: readonly { memberId: bigint; alarm: number }[];
}

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

/** The snapshot bytes of `state`. */
export function encodeSnapshot(state: SnapshotState): Uint8Array {
  const doc = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    revision: state.revision,
    compactRevision: state.compactRevision,
    versions: state.versions.map((v) => [
      b64(v.key),
      v.mod,
      v.sub,
      v.create,
      v.version,
      v.lease.toString(),
      b64(v.value),
    ]),
    leases: state.leases.map((l) => [l.id.toString(), l.ttl, l.remainingMs]),
    alarms: state.alarms.map((a) => [a.memberId.toString(), a.alarm]),
  };
  // Padded with spaces to a multiple of 512 bytes, as a bolt file's size is: etcdctl's `snapshot save`
  // checks that what it received is such a size plus the 32-byte hash. JSON ignores the padding.
  const text = `${JSON.stringify(doc)}\n`;
  const bytes = new TextEncoder().encode(text);
  const padded = new Uint8Array(Math.ceil(bytes.length / SNAPSHOT_PAGE_BYTES) * SNAPSHOT_PAGE_BYTES).fill(
    0x20,
  );
  padded.set(bytes);
  return padded;
}

/** The SHA-256 etcd appends to a snapshot stream. */
export function snapshotHash(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The Snapshot stream's messages: 32 KiB chunks with the bytes still to come, then the SHA-256. */
export function* snapshotMessages(data: Uint8Array): Generator<{ blob: Uint8Array; remainingBytes: number }> {
  for (let sent = 0; sent < data.length; ) {
    const blob = data.subarray(sent, sent + SNAPSHOT_CHUNK_BYTES);
    sent += blob.length;
    yield { blob, remainingBytes: data.length - sent };
  }
  yield { blob: snapshotHash(data), remainingBytes: 0 };
}

/** `bytes` without a trailing SHA-256 of the rest, if it has one. */
export function stripHashTrailer(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 32) return bytes;
  const data = bytes.subarray(0, bytes.length - 32);
  const trailer = bytes.subarray(bytes.length - 32);
  return Buffer.from(snapshotHash(data)).equals(trailer) ? data : bytes;
}

/** True when `doc` (parsed JSON) claims to be a snapshot. */
export function isSnapshotDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === SNAPSHOT_FORMAT;
}

function fail(message: string): never {
  throw new InvalidArgumentError(`not a valid etcd-kv-kit snapshot: ${message}`);
}

function int(v: unknown, what: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    fail(`${what} must be an integer ≥ ${min}, found ${JSON.stringify(v)}`);
  return v;
}

function int64(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v))
    fail(`${what} must be a decimal string, found ${JSON.stringify(v)}`);
  const n = BigInt(v);
  if (n < -(2n ** 63n) || n >= 2n ** 64n) fail(`${what} is out of 64-bit range: ${v}`);
  return n;
}

function bytes(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    fail(`${what} must be base64, found ${JSON.stringify(v)}`);
  }
  return Buffer.from(v, 'base64').toString('latin1');
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${what} must be an array`);
  return v;
}

/** Decode a parsed snapshot document, checking every field; the message says what is wrong and where. */
export function decodeSnapshotDocument(doc: unknown): SnapshotState {
  if (!isSnapshotDocument(doc)) fail(`"format" must be ${JSON.stringify(SNAPSHOT_FORMAT)}`);
  const d = doc as Record<string, unknown>;
  if (d.version !== SNAPSHOT_VERSION) {
    fail(
      `layout version ${JSON.stringify(d.version)} is not the one this release reads (${SNAPSHOT_VERSION})`,
    );
  }
  const revision = int(d.revision, 'revision', 1);
  const compactRevision = int(d.compactRevision, 'compactRevision', -1);
  if (compactRevision > revision) fail(`compactRevision ${compactRevision} is above revision ${revision}`);
  let last: SnapshotVersion | undefined;
  const versions = list(d.versions, 'versions').map((raw, i): SnapshotVersion => {
    const at = `versions[${i}]`;
    const f = list(raw, at);
    if (f.length !== 7) fail(`${at} must have 7 fields [key, mod, sub, create, version, lease, value]`);
    const v: SnapshotVersion = {
      key: bytes(f[0], `${at} key`),
      mod: int(f[1], `${at} mod revision`, 2),
      sub: int(f[2], `${at} sub-revision`),
      create: int(f[3], `${at} create revision`),
      version: int(f[4], `${at} version`),
      lease: int64(f[5], `${at} lease`),
      value: bytes(f[6], `${at} value`),
    };
    if (v.key === '') fail(`${at} has an empty key`);
    if (v.mod > revision) fail(`${at} has revision ${v.mod}, above the snapshot's revision ${revision}`);
    if (v.create > v.mod || (v.create === 0) !== (v.version === 0)) {
      fail(`${at} has create revision ${v.create} and version ${v.version} at revision ${v.mod}`);
    }
    if (last !== undefined && (v.mod < last.mod || (v.mod === last.mod && v.sub <= last.sub))) {
      fail(`${at} is out of (revision, sub-revision) order`);
    }
    last = v;
    return v;
  });
  const leases = list(d.leases, 'leases').map((raw, i): SnapshotLease => {
    const f = list(raw, `leases[${i}]`);
    return {
      id: int64(f[0], `leases[${i}] ID`),
      ttl: int(f[1], `leases[${i}] TTL`, 1),
      remainingMs: int(f[2], `leases[${i}] remaining ms`, -Number.MAX_SAFE_INTEGER),
    };
  });
  const alarms = list(d.alarms, 'alarms').map((raw, i) => {
    const f = list(raw, `alarms[${i}]`);
    return { memberId: int64(f[0], `alarms[${i}] member ID`), alarm: int(f[1], `alarms[${i}] alarm`) };
  });
  return { revision, compactRevision, versions, leases, alarms };
}

/** Decode snapshot bytes (with or without the SHA-256 trailer). */
export function decodeSnapshot(data: Uint8Array): SnapshotState {
  const text = new TextDecoder().decode(stripHashTrailer(data));
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  return decodeSnapshotDocument(doc);
}
