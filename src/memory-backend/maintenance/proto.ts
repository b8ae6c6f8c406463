/**
 * The few protobuf messages etcd writes into its backend, marshalled as gogoproto does (fields in number
 * order, zero values left out): mvccpb.KeyValue, leasepb.Lease and etcdserverpb.AlarmMember. Hash and
 * HashKV run over these exact bytes, and the db size counts them.
 */

import { varintSize } from '../request-size.js';

/** A growable byte buffer with protobuf's field encoders. */
export class ProtoWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  /** The bytes written so far (a view; copy it to keep it past the next write). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Start over, keeping the buffer. */
  reset(): this {
    this.#len = 0;
    return this;
  }

  /** Raw bytes. */
  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** A varint (negative values as 64-bit two's complement, 10 bytes). */
  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    this.#ensure(10);
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
    return this;
  }

  /** A varint field; left out when zero. */
  intField(field: number, n: number | bigint): this {
    if (n === 0 || n === 0n) return this;
    return this.varint(field << 3).varint(n);
  }

  /** A bytes field given as a Latin-1 storage string; left out when empty. */
  stringBytesField(field: number, s: string): this {
    if (s.length === 0) return this;
    this.varint((field << 3) | 2).varint(s.length);
    this.#ensure(s.length);
    for (let i = 0; i < s.length; i++) this.#buf[this.#len++] = s.charCodeAt(i);
    return this;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}

/** The fields of one stored key version (a KeyRev, or a tombstone with only its key). */
export interface StoredVersion {
  readonly key: string;
  readonly value: string;
  readonly create: number;
  readonly mod: number;
  readonly version: number;
  readonly lease: bigint;
}

/** mvccpb.KeyValue of a version; a tombstone holds only its key, as etcd writes it. */
export function writeKeyValue(w: ProtoWriter, r: StoredVersion): ProtoWriter {
  w.stringBytesField(1, r.key);
  if (r.create === 0) return w;
  return w
    .intField(2, r.create)
    .intField(3, r.mod)
    .intField(4, r.version)
    .stringBytesField(5, r.value)
    .intField(6, r.lease);
}

function lenFieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function intFieldSize(n: number | bigint): number {
  return n === 0 || n === 0n ? 0 : 1 + varintSize(n);
}

/** The size of {@link writeKeyValue}'s output, without writing it. */
export function keyValueSize(r: StoredVersion): number {
  const key = lenFieldSize(r.key.length);
  if (r.create === 0) return key;
  return (
    key +
    intFieldSize(r.create) +
    intFieldSize(r.mod) +
    intFieldSize(r.version) +
    lenFieldSize(r.value.length) +
    intFieldSize(r.lease)
  );
}

/** leasepb.Lease {ID, TTL} as etcd stores a lease (no remaining TTL: checkpoints are off by default). */
export function writeLease(w: ProtoWriter, id: bigint, ttl: number): ProtoWriter {
  return w.intField(1, id).intField(2, ttl);
}

/** etcdserverpb.AlarmMember {memberID, alarm}. */
export function writeAlarmMember(w: ProtoWriter, memberId: bigint, alarm: number): ProtoWriter {
  return w.intField(1, memberId).intField(2, alarm);
}
