/**
 * etcd v3 KV request and response types (etcdserverpb Range, Put, DeleteRange, Txn, Compaction).
 *
 * Field names follow rpc.proto in camelCase, so that a gRPC layer maps one to one.
 *
 * Numbers: revisions, versions and counts are JavaScript numbers. etcd stores them as int64, but a
 * revision grows by one per write, so it cannot pass 2^53 − 1 in practice; a backend that receives a
 * larger value throws {@link PrecisionLossError} rather than rounding. Lease IDs are random 63-bit values
 * (etcd hands out IDs around 1.9 × 10^18) and are therefore always `bigint`.
 *
 * Bytes: keys and values are binary. Requests accept a string (encoded as UTF-8) or a `Uint8Array`;
 * responses always carry `Uint8Array`s. Byte arrays in responses may be shared with the backend: treat
 * them as read-only.
 */

/** A key or value as a caller may give it: a UTF-8 string or raw bytes. */
export type Bytes = string | Uint8Array;

/** etcd's ResponseHeader. Only `revision` has a defined meaning for a single-member store. */
export interface ResponseHeader {
  /** The store revision this response reflects; see the per-call notes in each response type. */
  revision: number;
  /** Cluster ID; a constant in the memory backend. Never assert it in tests. */
  clusterId: bigint;
  /** Member ID; a constant in the memory backend. Never assert it in tests. */
  memberId: bigint;
  /** Raft term; a constant in the memory backend. Never assert it in tests. */
  raftTerm: number;
}

/** mvccpb.KeyValue: one key at one revision. */
export interface KeyValue {
  key: Uint8Array;
  /** Empty for `keysOnly` reads and for DELETE events. */
  value: Uint8Array;
  /** Revision of the put that started this key's current generation. 0 in DELETE events. */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Puts since creation: 1 on create. 0 in DELETE events. */
  version: number;
  /** Attached lease ID, or 0n. */
  lease: bigint;
}

/** RangeRequest.SortOrder. */
export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
/** RangeRequest.SortTarget. */
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/**
 * RangeRequest. `rangeEnd` conventions (shared by DeleteRange, Compare and Watch):
 * absent → the single key; `"\0"` → every key ≥ key; key `"\0"` with rangeEnd `"\0"` → all keys;
 * otherwise the half-open interval [key, rangeEnd), empty (not an error) when rangeEnd ≤ key.
 * Use {@link prefixRange} / {@link fromKeyRange} from the root module for the common cases.
 */
export interface RangeRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  /** Maximum number of kvs returned; 0 or absent means no limit. `more` tells whether any were cut. */
  limit?: number;
  /** Read at this revision; 0 or absent means the current one. Must not be below the compact revision. */
  revision?: number;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Accepted for fidelity; a single-member store reads linearizably either way. */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  /** Filters: 0 or absent means off. Applied after `count` is taken, before `limit`. */
  minModRevision?: number;
  maxModRevision?: number;
  minCreateRevision?: number;
  maxCreateRevision?: number;
}

/** RangeResponse. `header.revision` is the current revision, even for a historical read. */
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  /** True when `limit` cut the (filtered) result. */
  more: boolean;
  /** Keys in the range at the read revision, before filters and limit. */
  count: number;
}

/** PutRequest. */
export interface PutRequest {
  key: Bytes;
  /** Absent means the empty value. */
  value?: Bytes;
  /** Lease to attach; 0n or absent detaches any lease the key had. */
  lease?: bigint;
  prevKv?: boolean;
  /** Keep the current value; the key must exist and `value` must be empty. */
  ignoreValue?: boolean;
  /** Keep the current lease; the key must exist and `lease` must be 0n. */
  ignoreLease?: boolean;
}

/** PutResponse. `header.revision` is the new revision. */
export interface PutResponse {
  header: ResponseHeader;
  /** The previous KeyValue, when `prevKv` was asked and the key existed. */
  prevKv?: KeyValue;
}

/** DeleteRangeRequest; `rangeEnd` as in {@link RangeRequest}. */
export interface DeleteRangeRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  prevKv?: boolean;
}

/** DeleteRangeResponse. `header.revision` is the new revision, or the current one when nothing was deleted. */
export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  /** Deleted KeyValues in key order, when `prevKv` was asked; otherwise empty. */
  prevKvs: KeyValue[];
}

/** Compare.CompareResult. */
export type CompareResult = 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
/** Compare.CompareTarget. */
export type CompareTarget = 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';

/**
 * Compare: true when every key alive in the range satisfies it. A missing key compares as an all-zero
 * KeyValue, except that a VALUE compare on a missing key is always false.
 */
export type Compare = {
  key: Bytes;
  rangeEnd?: Bytes;
  result: CompareResult;
} & (
  | { target: 'VERSION'; version: number }
  | { target: 'CREATE'; createRevision: number }
  | { target: 'MOD'; modRevision: number }
  | { target: 'VALUE'; value: Bytes }
  | { target: 'LEASE'; lease: bigint }
);

/** RequestOp: exactly one of the fields is set. An op with none set is rejected with "key not found". */
export type RequestOp =
  | { requestRange: RangeRequest }
  | { requestPut: PutRequest }
  | { requestDeleteRange: DeleteRangeRequest }
  | { requestTxn: TxnRequest };

/** ResponseOp: the response to the RequestOp at the same position. */
export type ResponseOp =
  | { responseRange: RangeResponse }
  | { responsePut: PutResponse }
  | { responseDeleteRange: DeleteRangeResponse }
  | { responseTxn: TxnResponse };

/** TxnRequest: if every compare holds, run `success`, else `failure`. */
export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

/**
 * TxnResponse. `header.revision` is the new revision when the branch that ran wrote something,
 * otherwise the current one. Headers inside `responses` have no defined meaning.
 */
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** CompactionRequest. */
export interface CompactionRequest {
  revision: number;
  /** Accepted for fidelity; compaction takes effect immediately either way. */
  physical?: boolean;
}

/** CompactionResponse. `header.revision` is the current revision. */
export interface CompactionResponse {
  header: ResponseHeader;
}

/** StatusResponse (Maintenance.Status): every field one member reports. */
export interface StatusResponse {
  header: ResponseHeader;
  /** Server version, e.g. "3.4.23"; the memory backend reports the etcd version it mirrors. */
  version: string;
  /** Size of the backing store in bytes, as the server reports it (an estimate in memory). */
  dbSize: number;
  /** Member ID of the current leader. */
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  /** The raft index applied (equal to raftIndex when the member is idle). */
  raftAppliedIndex: number;
  /** Bytes of the backing store in use; at most dbSize (defragment gives back the difference). */
  dbSizeInUse: number;
  /**
   * etcd's status errors: one per raised alarm, as etcd prints it (`"memberID:8192 alarm:NOSPACE "`,
   * with its trailing space), and "etcdserver: no leader" when there is none.
   */
  errors: string[];
  /** True when the member is a raft learner. */
  isLearner: boolean;
}
