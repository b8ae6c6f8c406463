/**
 * One error class per etcd error, carrying etcd's own gRPC status code and message text
 * (docs/semantics.md §9). Both backends throw these same classes, so `instanceof` and `code` work everywhere.
 */

/** gRPC status codes used by etcd. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code number. */
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/** Base class of every error this library throws. `code` is stable; `grpcCode` is etcd's status code. */
export class EtcdError extends Error {
  /** Stable identifier, named after etcd's Go `rpctypes.Err*` value where one exists. */
  readonly code: string = 'ErrEtcd';
  /** The gRPC status code etcd answers with (or would). */
  readonly grpcCode: GrpcStatusCode = GrpcStatus.UNKNOWN;
  /** True when the same request may succeed if sent again (the server did not apply it). */
  readonly retryable: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A base class for an error with a fixed code, status and message: `class X extends fixedError(...) {}`.
 * Used for etcd's own errors here and for the recipes' client-library errors.
 */
export function fixedError(code: string, grpcCode: GrpcStatusCode, message: string, retryable = false) {
  return class extends EtcdError {
    override readonly code = code;
    override readonly grpcCode = grpcCode;
    override readonly retryable = retryable;
    constructor(options?: ErrorOptions) {
      super(message, options);
    }
  };
}

/** An empty key on Range, Put, DeleteRange or Compare. */
export class EmptyKeyError extends fixedError(
  'ErrEmptyKey',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: key is not provided',
) {}
/** ignore_value/ignore_lease on an absent key, or a RequestOp with nothing set. */
export class KeyNotFoundError extends fixedError(
  'ErrKeyNotFound',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: key not found',
) {}
/** ignore_value together with a non-empty value. */
export class ValueProvidedError extends fixedError(
  'ErrValueProvided',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: value is provided',
) {}
/** ignore_lease together with a lease. */
export class LeaseProvidedError extends fixedError(
  'ErrLeaseProvided',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: lease is provided',
) {}
/** A sort order or target outside the enum. */
export class InvalidSortOptionError extends fixedError(
  'ErrInvalidSortOption',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: invalid sort option',
) {}
/** More than the maximum number of operations (128 by default) in one txn. */
export class TooManyOpsError extends fixedError(
  'ErrTooManyOps',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: too many operations in txn request',
) {}
/** A key put twice, or put inside a deleted interval, on one txn path. */
export class DuplicateKeyError extends fixedError(
  'ErrDuplicateKey',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: duplicate key given in txn request',
) {}
/** A write request larger than max-request-bytes (1.5 MiB by default). */
export class RequestTooLargeError extends fixedError(
  'ErrRequestTooLarge',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: request is too large',
) {}
/** A revision below the compact revision (Range, Compact, watch start). */
export class CompactedError extends EtcdError {
  override readonly code = 'ErrCompacted';
  override readonly grpcCode = GrpcStatus.OUT_OF_RANGE;
  /** The compact revision, when known (watch cancellations carry it; Range errors do not). */
  readonly compactRevision: number | undefined;
  constructor(compactRevision?: number, options?: ErrorOptions) {
    super('etcdserver: mvcc: required revision has been compacted', options);
    this.compactRevision = compactRevision;
  }
}
/** A revision above the current revision (Range, Compact). */
export class FutureRevisionError extends fixedError(
  'ErrFutureRev',
  GrpcStatus.OUT_OF_RANGE,
  'etcdserver: mvcc: required revision is a future revision',
) {}
/** A put with, or a revoke of, an unknown lease. */
export class LeaseNotFoundError extends fixedError(
  'ErrLeaseNotFound',
  GrpcStatus.NOT_FOUND,
  'etcdserver: requested lease not found',
) {}
/** A grant with an ID already in use. */
export class LeaseExistsError extends fixedError(
  'ErrLeaseExist',
  GrpcStatus.FAILED_PRECONDITION,
  'etcdserver: lease already exists',
) {}
/** A grant with a TTL above 9,000,000,000 s. */
export class LeaseTtlTooLargeError extends fixedError(
  'ErrLeaseTTLTooLarge',
  GrpcStatus.OUT_OF_RANGE,
  'etcdserver: too large lease TTL',
) {}
/** The space quota is exhausted. */
export class NoSpaceError extends fixedError(
  'ErrNoSpace',
  GrpcStatus.RESOURCE_EXHAUSTED,
  'etcdserver: mvcc: database space exceeded',
) {}
/** The CORRUPT alarm is raised: writes, compaction and lease grants and revokes are refused. */
export class CorruptError extends fixedError(
  'ErrCorrupt',
  GrpcStatus.DATA_LOSS,
  'etcdserver: corrupt cluster',
) {}
/** MoveLeader to a member that cannot lead (unknown, or 0). */
export class BadLeaderTransfereeError extends fixedError(
  'ErrBadLeaderTransferee',
  GrpcStatus.FAILED_PRECONDITION,
  'etcdserver: bad leader transferee',
) {}
/** A member change naming a member ID the cluster does not have. */
export class MemberNotFoundError extends fixedError(
  'ErrMemberNotFound',
  GrpcStatus.NOT_FOUND,
  'etcdserver: member not found',
) {}
/** MemberAdd or MemberUpdate with peer URLs that do not parse. */
export class MemberBadUrlsError extends fixedError(
  'ErrMemberBadURLs',
  GrpcStatus.INVALID_ARGUMENT,
  'etcdserver: given member URLs are invalid',
) {}
/** MemberAdd with a peer URL a member already has. */
export class PeerUrlExistsError extends fixedError(
  'ErrPeerURLexists',
  GrpcStatus.FAILED_PRECONDITION,
  'etcdserver: Peer URLs already exists',
) {}
/** MemberPromote of a member that is not a learner. */
export class MemberNotLearnerError extends fixedError(
  'ErrMemberNotLearner',
  GrpcStatus.FAILED_PRECONDITION,
  'etcdserver: can only promote a learner member',
) {}
/** MemberRemove of the only voting member (etcd sends this one unmapped, as UNKNOWN). */
export class NotEnoughStartedMembersError extends fixedError(
  'ErrNotEnoughStartedMembers',
  GrpcStatus.UNKNOWN,
  'etcdserver: re-configuration failed due to not enough started members',
) {}
/**
 * A cluster change the simulator cannot make: it is one member with no peers, so it cannot add a member
 * or change its own peer URLs. Not an etcd error (etcd would do it); UNIMPLEMENTED on the wire.
 */
export class MemberChangeUnsupportedError extends EtcdError {
  override readonly code = 'ErrMemberChangeUnsupported';
  override readonly grpcCode = GrpcStatus.UNIMPLEMENTED;
  constructor(method: string, options?: ErrorOptions) {
    super(`etcd-kv-kit: ${method} is not supported: the simulator is a single member with no peers`, options);
  }
}
/** The server is applying too slowly to take more requests. */
export class TooManyRequestsError extends fixedError(
  'ErrTooManyRequests',
  GrpcStatus.RESOURCE_EXHAUSTED,
  'etcdserver: too many requests',
  true,
) {}
/** The cluster has no leader (etcd's "etcdserver: no leader"); not the election recipe's NoLeaderError. */
export class ClusterNoLeaderError extends fixedError(
  'ErrNoLeader',
  GrpcStatus.UNAVAILABLE,
  'etcdserver: no leader',
  true,
) {}
/** The server timed out the request; it may or may not have been applied. */
export class RequestTimeoutError extends fixedError(
  'ErrTimeout',
  GrpcStatus.UNAVAILABLE,
  'etcdserver: request timed out',
) {}
/** The leader changed while the request was in flight; it may or may not have been applied. */
export class LeaderChangedError extends fixedError(
  'ErrLeaderChanged',
  GrpcStatus.UNAVAILABLE,
  'etcdserver: leader changed',
) {}
/** The watch stream was canceled by the server or the backend was closed. */
export class WatchCanceledError extends EtcdError {
  override readonly code = 'ErrWatchCanceled';
  override readonly grpcCode = GrpcStatus.CANCELLED;
  /** etcd's cancel_reason when a watcher was refused or canceled, else empty. */
  readonly reason: string;
  constructor(reason = '', options?: ErrorOptions) {
    super(reason ? `etcdserver: watch canceled: ${reason}` : 'etcdserver: watch canceled', options);
    this.reason = reason;
  }
}

/** A gRPC message above the transport limit (2 MiB by default); the text carries the sizes. */
export class MessageTooLargeError extends EtcdError {
  override readonly code = 'ErrGRPCMessageTooLarge';
  override readonly grpcCode = GrpcStatus.RESOURCE_EXHAUSTED;
  constructor(size: number, max: number, options?: ErrorOptions) {
    super(`grpc: received message larger than max (${size} vs. ${max})`, options);
  }
}

/**
 * A request the client rejected before sending: wrong types, out-of-range numbers, option
 * combinations etcd cannot express. The message says what was received.
 */
export class InvalidArgumentError extends EtcdError {
  override readonly code = 'ErrInvalidArgument';
  override readonly grpcCode = GrpcStatus.INVALID_ARGUMENT;
}

/** A number from the server that does not fit a JavaScript number exactly. */
export class PrecisionLossError extends EtcdError {
  override readonly code = 'ErrPrecisionLoss';
  override readonly grpcCode = GrpcStatus.OUT_OF_RANGE;
}

/** No endpoint could be reached, or the connection dropped before a reply. The request was not applied. */
export class UnavailableError extends EtcdError {
  override readonly code = 'ErrUnavailable';
  override readonly grpcCode = GrpcStatus.UNAVAILABLE;
  override readonly retryable = true;
}

/**
 * A write whose outcome is unknown: it was sent, and the connection or deadline failed before a reply.
 * It may have been applied. Never resent automatically.
 */
export class UnknownOutcomeError extends EtcdError {
  override readonly code = 'ErrUnknownOutcome';
  override readonly grpcCode = GrpcStatus.UNAVAILABLE;
}

/** The call's deadline passed before a reply (reads only; a write past its deadline is UnknownOutcomeError). */
export class DeadlineExceededError extends EtcdError {
  override readonly code = 'ErrDeadlineExceeded';
  override readonly grpcCode = GrpcStatus.DEADLINE_EXCEEDED;
  override readonly retryable = true;
}

/**
 * Authentication failed or the user lacks permission: the base of every auth error class (see
 * auth-errors.ts); an auth failure the backend cannot name more precisely is this class itself.
 */
export class AuthError extends EtcdError {
  override readonly code: string = 'ErrAuth';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.UNAUTHENTICATED;
}

/** The operation was aborted by the caller's AbortSignal. */
export class AbortError extends EtcdError {
  override readonly code = 'ErrAborted';
  override readonly grpcCode = GrpcStatus.CANCELLED;
  constructor(message = 'The operation was aborted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** The backend was closed; no further calls are possible. */
export class ClosedError extends EtcdError {
  override readonly code = 'ErrClosed';
  override readonly grpcCode = GrpcStatus.CANCELLED;
  constructor(message = 'backend is closed', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Any other server error, with its status code and message kept. */
export class UnknownServerError extends EtcdError {
  override readonly code = 'ErrUnknownServer';
  override readonly grpcCode: GrpcStatusCode;
  constructor(grpcCode: GrpcStatusCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.grpcCode = grpcCode;
  }
}
