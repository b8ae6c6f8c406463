/** Reading fields of decoded protobuf messages (protobufjs, proto field names). */

import type { KeyValue, ResponseHeader } from '../../interface/kv.js';
import { fromBigint, fromBigintUnsigned, type Int64, toBigint, toNumber } from './int64.js';

/** A decoded message: fields by their proto names. Unset fields read their proto3 default. */
export type WireMessage = Record<string, unknown>;

const EMPTY = new Uint8Array(0);

/** A bytes field (protobufjs's default for an unset one is an empty array, not bytes). */
export function bytesOf(m: WireMessage, field: string): Uint8Array {
  const v = m[field];
  return v instanceof Uint8Array ? v : EMPTY;
}

/** True when the field was present on the wire (even if empty). */
export function present(m: WireMessage, field: string): boolean {
  return Object.hasOwn(m, field);
}

/** An int64 field as a number (clamped; see int64.ts). */
export function numberOf(m: WireMessage, field: string): number {
  return toNumber(m[field] as Int64 | undefined);
}

/** An int64 field as a bigint. */
export function bigintOf(m: WireMessage, field: string): bigint {
  return toBigint(m[field] as Int64 | undefined);
}

/** A bool field. */
export function boolOf(m: WireMessage, field: string): boolean {
  return m[field] === true;
}

/** An enum field's number. */
export function enumOf(m: WireMessage, field: string): number {
  const v = m[field];
  return typeof v === 'number' ? v : 0;
}

/** A nested message field, when set. */
export function messageOf(m: WireMessage, field: string): WireMessage | undefined {
  const v = m[field];
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? (v as WireMessage) : undefined;
}

/** A repeated field. */
export function listOf<T = WireMessage>(m: WireMessage, field: string): T[] {
  const v = m[field];
  return Array.isArray(v) ? (v as T[]) : [];
}

/** Header encoding; IDs are fixed per store, so their Longs are built once. */
export class HeaderEncoder {
  readonly #clusterId: unknown;
  readonly #memberId: unknown;

  constructor(clusterId: bigint, memberId: bigint) {
    this.#clusterId = fromBigintUnsigned(clusterId);
    this.#memberId = fromBigintUnsigned(memberId);
  }

  /** A full ResponseHeader. */
  full(h: ResponseHeader): WireMessage {
    return {
      cluster_id: this.#clusterId,
      member_id: this.#memberId,
      revision: h.revision,
      raft_term: h.raftTerm,
    };
  }

  /** A header with only the revision (the responses inside a txn). */
  revisionOnly(h: ResponseHeader): WireMessage {
    return h.revision === 0 ? {} : { revision: h.revision };
  }

  /** The cluster's header: no revision (MemberList). */
  cluster(raftTerm: number): WireMessage {
    return { cluster_id: this.#clusterId, member_id: this.#memberId, raft_term: raftTerm };
  }
}

/** mvccpb.KeyValue, with zero fields left out as grpc-go leaves them out. */
export function keyValueOut(kv: KeyValue): WireMessage {
  const out: WireMessage = { key: kv.key };
  if (kv.createRevision !== 0) out.create_revision = kv.createRevision;
  if (kv.modRevision !== 0) out.mod_revision = kv.modRevision;
  if (kv.version !== 0) out.version = kv.version;
  if (kv.value.length !== 0) out.value = kv.value;
  if (kv.lease !== 0n) out.lease = fromBigint(kv.lease);
  return out;
}
