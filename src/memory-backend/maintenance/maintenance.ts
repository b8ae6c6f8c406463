/**
 * The store's maintenance state and logic, in one place the store calls into: alarms and the apply mode
 * they set, the space quota, the db size, Hash and HashKV, defragment, leader transfer and the
 * auto-compactor. The store keeps the data; this decides what maintenance makes of it.
 */

import { describe } from '../../common/validate.js';
import type { Clock } from '../../interface/clock.js';
import {
  BadLeaderTransfereeError,
  CorruptError,
  InvalidArgumentError,
  NoSpaceError,
} from '../../interface/errors.js';
import type { AlarmRequest, AlarmResponse } from '../../interface/maintenance.js';
import type { Lessor } from '../lessor.js';
import type { MvccStore } from '../mvcc-store.js';
import { Alarms } from './alarms.js';
import { type AutoCompaction, AutoCompactor } from './auto-compaction.js';
import { DbSize } from './db-size.js';
import { type HashKvResult, hashAll, hashKv } from './hash.js';
import { fits, quotaBytes } from './quota.js';

/** A write the apply-time alarm checks know. */
export type GuardedOp = 'put' | 'txn' | 'deleteRange' | 'compact' | 'leaseGrant' | 'leaseRevoke';

/** What maintenance reads from the store. */
export interface MaintenanceHost {
  readonly mvcc: MvccStore;
  readonly lessor: Lessor;
  readonly memberId: bigint;
  readonly clock: Clock;
  /** The store's Compact (with its checks), for the auto-compactor. */
  compact(revision: number): void;
}

/** Maintenance settings from the store's options. */
export interface MaintenanceSettings {
  quotaBackendBytes?: number;
  autoCompaction?: AutoCompaction | undefined;
}

/** The store's maintenance. */
export class StoreMaintenance {
  readonly alarms = new Alarms();
  /** Lease events since the store started (etcd's etcd_debugging_lease_*_total). */
  readonly counters = { leasesGranted: 0, leasesRevoked: 0, leasesRenewed: 0 };
  /** The space quota in bytes (Infinity when disabled). */
  readonly quotaBytes: number;
  readonly #host: MaintenanceHost;
  readonly #size = new DbSize();
  readonly #autoCompaction: AutoCompaction | undefined;
  #compactor: AutoCompactor | undefined;

  constructor(host: MaintenanceHost, settings: MaintenanceSettings) {
    this.#host = host;
    this.quotaBytes = quotaBytes(settings.quotaBackendBytes);
    this.#autoCompaction = settings.autoCompaction;
  }

  /** Start the auto-compactor, if configured (after any restore, so it sees the restored revision). */
  start(): void {
    if (this.#autoCompaction === undefined || this.#compactor !== undefined) return;
    const host = this.#host;
    this.#compactor = new AutoCompactor(host.clock, this.#autoCompaction, {
      get revision() {
        return host.mvcc.rev;
      },
      compact: (revision) => host.compact(revision),
    });
  }

  /** Status.dbSizeInUse. */
  get dbSizeInUse(): number {
    return this.#host.mvcc.bytes;
  }

  /** Status.dbSize: the in-use peak since the last defragment. */
  get dbSize(): number {
    return this.#size.total(this.#host.mvcc.bytes);
  }

  /**
   * etcd's quota check, made before a write is validated: a request of `cost` bytes that does not fit
   * raises NOSPACE and is refused.
   */
  checkQuota(cost: number): void {
    if (fits(this.dbSize, cost, this.quotaBytes)) return;
    this.alarms.raiseNoSpace(this.#host.memberId);
    throw new NoSpaceError();
  }

  /**
   * The apply-time check while alarms are raised: NOSPACE refuses puts, txns with direct puts (`cost` >
   * 0) and lease grants; CORRUPT refuses every write (a read-only txn is served outside the applier).
   */
  checkApply(op: GuardedOp, cost = 0, readOnlyTxn = false): void {
    const mode = this.alarms.mode;
    if (mode === 'normal') return;
    if (mode === 'corrupt') {
      if (op === 'txn' && readOnlyTxn) return;
      throw new CorruptError();
    }
    if (op === 'put' || op === 'leaseGrant' || (op === 'txn' && cost > 0)) throw new NoSpaceError();
  }

  /** Call before the in-use size falls (a compaction), so the total keeps its peak. */
  beforeShrink(): void {
    this.#size.note(this.#host.mvcc.bytes);
  }

  /** Maintenance.Alarm. */
  alarm(request: AlarmRequest): AlarmResponse {
    if (typeof request !== 'object' || request === null) {
      throw new InvalidArgumentError('alarm request must be a request object');
    }
    return this.alarms.apply(request);
  }

  /** Maintenance.HashKV. */
  hashKv(revision: number): HashKvResult {
    return hashKv(this.#host.mvcc, revision);
  }

  /** Maintenance.Hash. */
  hash(): number {
    return hashAll(this.#host.mvcc, {
      leases: this.#host.lessor.all(),
      alarms: this.alarms.all(),
    });
  }

  /** Maintenance.Defragment: the total size shrinks to what is in use. Alarms stay. */
  defragment(): void {
    this.#size.defragment(this.#host.mvcc.bytes);
  }

  /** Maintenance.MoveLeader on a single member: to itself is a no-op, anything else has no transferee. */
  moveLeader(targetId: unknown): void {
    if (typeof targetId !== 'bigint' || targetId < 0n || targetId >= 2n ** 64n) {
      throw new InvalidArgumentError(
        `targetId must be a bigint in uint64 range, received ${describe(targetId)}`,
      );
    }
    if (targetId !== this.#host.memberId) throw new BadLeaderTransfereeError();
  }

  /** Stop the auto-compactor. */
  close(): void {
    this.#compactor?.stop();
    this.#compactor = undefined;
  }
}
