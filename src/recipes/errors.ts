/**
 * Errors of the coordination recipes, with the messages of etcd's Go client (client/v3/concurrency)
 * where one exists (docs/semantics.md §9, client-library errors). All extend {@link EtcdError}.
 */

import { EtcdError, fixedError, GrpcStatus, type GrpcStatusCode } from '../interface/errors.js';

export { type LeaseLossReason, LeaseLostError } from '../lease/errors.js';

/** TryLock found the mutex held by another session (Go: `ErrLocked`). */
export class LockedError extends fixedError(
  'ErrLocked',
  GrpcStatus.FAILED_PRECONDITION,
  'mutex: Locked by another session',
) {}

/** The session's lease was gone when the lock was (about to be) acquired (Go: `ErrSessionExpired`). */
export class SessionExpiredError extends fixedError(
  'ErrSessionExpired',
  GrpcStatus.FAILED_PRECONDITION,
  'mutex: session is expired',
) {}

/** Unlock of a mutex that is not held (Go: `ErrLockReleased`). */
export class LockReleasedError extends fixedError(
  'ErrLockReleased',
  GrpcStatus.FAILED_PRECONDITION,
  'mutex: lock has already been released',
) {}

/**
 * A lock attempt failed after its key may have been written, and removing that key failed too (retried for
 * up to the session TTL). The key may remain, holding up every later contender, until the session ends
 * (close() revokes it; otherwise it expires with the lease). `cause` is why the lock failed.
 */
export class LockCleanupError extends EtcdError {
  override readonly code = 'ErrLockCleanup';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.UNAVAILABLE;
  /** The contender's key that may remain. */
  readonly key: string;
  /** The last error of the attempts to delete it. */
  readonly cleanupError: unknown;
  /** `what` names the failed operation, e.g. "mutex: lock" (the default) or "semaphore: acquire". */
  constructor(key: string, options: ErrorOptions & { cleanupError: unknown; what?: string }) {
    super(
      `${options.what ?? 'mutex: lock'} failed and its key ${JSON.stringify(key)} could not be removed; it may remain, holding up other contenders, until the session ends`,
      { cause: options.cause },
    );
    this.key = key;
    this.cleanupError = options.cleanupError;
  }
}

/** Proclaim by a candidate that is not (or no longer) the leader (Go: `ErrElectionNotLeader`). */
export class NotLeaderError extends fixedError(
  'ErrElectionNotLeader',
  GrpcStatus.FAILED_PRECONDITION,
  'election: not leader',
) {}

/**
 * The election has no leader (Go: `ErrElectionNoLeader`). Not the cluster-level "etcdserver: no leader",
 * which is {@link etcd-kv-kit!ClusterNoLeaderError | ClusterNoLeaderError}.
 */
export class NoLeaderError extends fixedError(
  'ErrElectionNoLeader',
  GrpcStatus.NOT_FOUND,
  'election: no leader',
) {}

/** A session ended on purpose (orphan or close) rather than by losing its lease. */
export class SessionClosedError extends EtcdError {
  override readonly code = 'ErrSessionClosed';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.CANCELLED;
  constructor(how: 'orphaned' | 'closed', options?: ErrorOptions) {
    super(`session ${how}`, options);
  }
}

/** The KV facade's `get` found no such key. */
export class NotFoundError extends EtcdError {
  override readonly code = 'ErrNotFound';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.NOT_FOUND;
  /** The key that was asked for (with the namespace prefix removed). */
  readonly key: string;
  constructor(key: string, options?: ErrorOptions) {
    super(`kv: key not found: ${JSON.stringify(key)}`, options);
    this.key = key;
  }
}

/** A transaction helper gave up after too many conflicting attempts. */
export class TxnConflictError extends EtcdError {
  override readonly code = 'ErrTxnConflict';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.ABORTED;
  constructor(attempts: number, options?: ErrorOptions) {
    super(`stm: transaction still conflicting after ${attempts} attempts`, options);
  }
}

/** A wait (lock, campaign) ran past the time the caller allowed. */
export class WaitTimeoutError extends EtcdError {
  override readonly code = 'ErrWaitTimeout';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.DEADLINE_EXCEEDED;
  constructor(what: string, ms: number, options?: ErrorOptions) {
    super(`${what}: timed out after ${ms} ms`, options);
  }
}

/** A DoubleBarrier already has its count of participants (Go: `ErrTooManyClients`). */
export class TooManyClientsError extends fixedError(
  'ErrTooManyClients',
  GrpcStatus.FAILED_PRECONDITION,
  'too many clients',
) {}

/** Barrier.hold on a barrier that another session holds (Go: `ErrKeyExists`). */
export class KeyExistsError extends fixedError(
  'ErrKeyExists',
  GrpcStatus.ALREADY_EXISTS,
  'key already exists',
) {}

/** Semaphore.tryAcquire found every permit held or other contenders queued first. */
export class SemaphoreFullError extends fixedError(
  'ErrSemaphoreFull',
  GrpcStatus.FAILED_PRECONDITION,
  'semaphore: no permit available',
) {}

/**
 * A queue item's claim is gone (the consumer's session ended, or the item was released) while the item
 * is still in the queue: it was, or will be, delivered again. Nothing was written.
 */
export class ClaimLostError extends fixedError(
  'ErrClaimLost',
  GrpcStatus.FAILED_PRECONDITION,
  'queue: claim lost; the item is back in the queue',
) {}
