/**
 * etcd's Maintenance service beyond Status: alarms, hashes, defragment, snapshot and leader transfer, as
 * one member answers them. Implemented by both backends (`MemoryBackend`, `EtcdBackend`), on top of
 * {@link KvBackend}.
 */

import type { CallOptions, KvBackend } from './backend.js';
import type { ResponseHeader } from './kv.js';

/**
 * An alarm type. etcd stores any number a client activates (its enum knows NONE, NOSPACE and CORRUPT);
 * a number outside the enum is kept as a number.
 */
export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT' | number;

/** What an {@link AlarmRequest} does. */
export type AlarmAction = 'GET' | 'ACTIVATE' | 'DEACTIVATE';

/** Maintenance.Alarm's request. */
export interface AlarmRequest {
  /** GET lists alarms (of `alarm`, or all for NONE); ACTIVATE raises one; DEACTIVATE disarms one. */
  action: AlarmAction;
  /** The member the alarm is for (ACTIVATE and DEACTIVATE; etcd takes any ID). Default 0n. */
  memberId?: bigint;
  /** The alarm type; default NONE (for GET: every alarm). */
  alarm?: AlarmType;
}

/** One raised alarm. */
export interface AlarmMember {
  memberId: bigint;
  alarm: AlarmType;
}

/** Maintenance.Alarm's response; etcd sends it without a header. */
export interface AlarmResponse {
  /** GET: the alarms; ACTIVATE: the alarm raised (or already raised); DEACTIVATE: the one removed, or none. */
  alarms: AlarmMember[];
}

/** Maintenance.Hash's response: a CRC-32C over the whole backend. Never compare it across servers. */
export interface HashResponse {
  header: ResponseHeader;
  /** An unsigned 32-bit value. */
  hash: number;
}

/** Maintenance.HashKV's request. */
export interface HashKvRequest {
  /** Hash the keyspace's history up to this revision; 0 or absent means the current revision. */
  revision?: number;
}

/**
 * Maintenance.HashKV's response: a CRC-32C over the MVCC history up to a revision. Two members given the
 * same writes agree on it; so do the memory store and a real etcd.
 */
export interface HashKvResponse {
  /** Its revision is the current revision, not the one hashed. */
  header: ResponseHeader;
  /** An unsigned 32-bit value. */
  hash: number;
  /** The compact revision when hashed; −1 before any compaction. */
  compactRevision: number;
}

/** Maintenance.Defragment's response (no header, as etcd sends it). */
export type DefragmentResponse = Record<string, never>;

/** Maintenance.MoveLeader's request. */
export interface MoveLeaderRequest {
  /** The member to hand leadership to. */
  targetId: bigint;
}

/** Maintenance.MoveLeader's response (no header, as etcd sends it). */
export type MoveLeaderResponse = Record<string, never>;

/**
 * etcd's Maintenance RPCs besides Status (which every {@link KvBackend} has). Each call goes to one member:
 * the memory store is that member; the etcd backend asks the endpoint it is connected to.
 */
export interface MaintenanceBackend extends KvBackend {
  /** Maintenance.Alarm: list, raise or disarm alarms. An unknown action is an InvalidArgumentError. */
  alarm(request: AlarmRequest, options?: CallOptions): Promise<AlarmResponse>;
  /** Maintenance.Hash: a CRC-32C over the member's backend; for testing only, never compare members. */
  hash(options?: CallOptions): Promise<HashResponse>;
  /**
   * Maintenance.HashKV: etcd's hash of the key history up to a revision. A revision at or below the
   * compact revision is CompactedError; above the current one, FutureRevisionError.
   */
  hashKv(request?: HashKvRequest, options?: CallOptions): Promise<HashKvResponse>;
  /** Maintenance.Defragment: give back the space compaction freed (the db size shrinks to what is in use). */
  defragment(options?: CallOptions): Promise<DefragmentResponse>;
  /**
   * Maintenance.Snapshot: the member's whole backend as a byte stream, as etcd's Go client gives it
   * (`etcdctl snapshot save` writes exactly these bytes): the data, then its 32-byte SHA-256.
   */
  snapshot(options?: CallOptions): AsyncIterable<Uint8Array>;
  /** Maintenance.MoveLeader: hand leadership to another member (a single member: only to itself). */
  moveLeader(request: MoveLeaderRequest, options?: CallOptions): Promise<MoveLeaderResponse>;
}

/** True when `backend` implements {@link MaintenanceBackend}. */
export function isMaintenanceBackend(backend: KvBackend): backend is MaintenanceBackend {
  const b = backend as Partial<MaintenanceBackend>;
  return (
    typeof b.alarm === 'function' &&
    typeof b.hashKv === 'function' &&
    typeof b.defragment === 'function' &&
    typeof b.snapshot === 'function'
  );
}
