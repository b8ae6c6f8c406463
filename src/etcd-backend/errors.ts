/**
 * Map etcd's gRPC errors to the shared error classes, by status code and etcd's own message (the raw
 * gRPC `details`, never etcd3's rewritten text).
 */

import {
  AuthFailedError,
  AuthNotEnabledError,
  AuthOldRevisionError,
  type AuthStoreError,
  InvalidAuthMgmtError,
  InvalidAuthTokenError,
  NoPasswordUserError,
  PasswordTooLongError,
  PermissionDeniedError,
  PermissionNotGivenError,
  PermissionNotGrantedError,
  RoleAlreadyExistError,
  RoleEmptyError,
  RoleNotFoundError,
  RoleNotGrantedError,
  RootRoleNotExistError,
  RootUserNotExistError,
  UserAlreadyExistError,
  UserEmptyError,
  UserNotFoundError,
} from '../interface/auth-errors.js';
import {
  AbortError,
  AuthError,
  BadLeaderTransfereeError,
  ClusterNoLeaderError,
  CompactedError,
  CorruptError,
  DeadlineExceededError,
  DuplicateKeyError,
  EmptyKeyError,
  type EtcdError,
  FutureRevisionError,
  GrpcStatus,
  type GrpcStatusCode,
  InvalidSortOptionError,
  KeyNotFoundError,
  LeaderChangedError,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseProvidedError,
  LeaseTtlTooLargeError,
  MemberBadUrlsError,
  MemberNotFoundError,
  MemberNotLearnerError,
  MessageTooLargeError,
  NoSpaceError,
  NotEnoughStartedMembersError,
  PeerUrlExistsError,
  RequestTimeoutError,
  RequestTooLargeError,
  TooManyOpsError,
  TooManyRequestsError,
  UnavailableError,
  UnknownOutcomeError,
  UnknownServerError,
  ValueProvidedError,
} from '../interface/errors.js';

/** The fields of a grpc-js ServiceError the mapping reads. */
export interface RawGrpcError {
  code?: number;
  details?: string;
  message?: string;
}

/** etcd's fixed messages (docs/semantics.md §9) and the class each one maps to. */
const BY_MESSAGE: ReadonlyMap<string, () => EtcdError> = new Map<string, () => EtcdError>([
  ['etcdserver: key is not provided', () => new EmptyKeyError()],
  ['etcdserver: key not found', () => new KeyNotFoundError()],
  ['etcdserver: value is provided', () => new ValueProvidedError()],
  ['etcdserver: lease is provided', () => new LeaseProvidedError()],
  ['etcdserver: invalid sort option', () => new InvalidSortOptionError()],
  ['etcdserver: too many operations in txn request', () => new TooManyOpsError()],
  ['etcdserver: duplicate key given in txn request', () => new DuplicateKeyError()],
  ['etcdserver: request is too large', () => new RequestTooLargeError()],
  ['etcdserver: mvcc: required revision has been compacted', () => new CompactedError()],
  ['etcdserver: mvcc: required revision is a future revision', () => new FutureRevisionError()],
  ['etcdserver: requested lease not found', () => new LeaseNotFoundError()],
  ['etcdserver: lease already exists', () => new LeaseExistsError()],
  ['etcdserver: too large lease TTL', () => new LeaseTtlTooLargeError()],
  ['etcdserver: mvcc: database space exceeded', () => new NoSpaceError()],
  ['etcdserver: too many requests', () => new TooManyRequestsError()],
  ['etcdserver: no leader', () => new ClusterNoLeaderError()],
  ['etcdserver: leader changed', () => new LeaderChangedError()],
  ['etcdserver: corrupt cluster', () => new CorruptError()],
  ['etcdserver: bad leader transferee', () => new BadLeaderTransfereeError()],
  ['etcdserver: member not found', () => new MemberNotFoundError()],
  ['etcdserver: given member URLs are invalid', () => new MemberBadUrlsError()],
  ['etcdserver: Peer URLs already exists', () => new PeerUrlExistsError()],
  ['etcdserver: can only promote a learner member', () => new MemberNotLearnerError()],
  [
    'etcdserver: re-configuration failed due to not enough started members',
    () => new NotEnoughStartedMembersError(),
  ],
  ['auth: authentication failed, password was given for no password user', () => new NoPasswordUserError()],
  ['bcrypt: password length exceeds 72 bytes', () => new PasswordTooLongError()],
]);

/** etcd's auth errors: each class answers with its mapped text, or unmapped (UNKNOWN, `auth: …`). */
const AUTH_ERRORS: readonly (new (options?: { unmapped?: boolean }) => AuthStoreError)[] = [
  RootUserNotExistError,
  RootRoleNotExistError,
  UserAlreadyExistError,
  UserEmptyError,
  UserNotFoundError,
  RoleAlreadyExistError,
  RoleNotFoundError,
  RoleEmptyError,
  AuthFailedError,
  PermissionNotGivenError,
  PermissionDeniedError,
  RoleNotGrantedError,
  PermissionNotGrantedError,
  AuthNotEnabledError,
  InvalidAuthTokenError,
  InvalidAuthMgmtError,
  AuthOldRevisionError,
];

/** The auth error class for each text etcd sends, mapped or unmapped. */
const AUTH_BY_MESSAGE: ReadonlyMap<string, () => EtcdError> = new Map(
  AUTH_ERRORS.flatMap((cls) => [
    [new cls().message, () => new cls()] as const,
    [new cls({ unmapped: true }).message, () => new cls({ unmapped: true })] as const,
  ]),
);

/** grpc-js texts that mean the call never left the client (no connection to send it on). */
const NOT_SENT_PREFIXES = [
  'No connection established',
  'Channel closed before call started',
  'Name resolution failed',
];

/** The server's text: grpc-js keeps it in `details`; `message` adds "<code> <NAME>: ". */
export function detailsOf(error: RawGrpcError): string {
  return error.details ?? error.message ?? '';
}

/** True when a failed call was certainly not sent, so resending it anywhere is safe. */
export function wasNotSent(error: RawGrpcError): boolean {
  const details = detailsOf(error);
  return error.code === GrpcStatus.UNAVAILABLE && NOT_SENT_PREFIXES.some((p) => details.startsWith(p));
}

/** True for a transport failure (not an answer from etcd): the connection failed or dropped. */
export function isTransportFailure(error: RawGrpcError): boolean {
  const details = detailsOf(error);
  // etcd's own answers, including those it sends unmapped with status UNKNOWN ("auth: …", "bcrypt: …").
  if (details.startsWith('etcdserver:') || BY_MESSAGE.has(details) || AUTH_BY_MESSAGE.has(details))
    return false;
  return (
    error.code === GrpcStatus.UNAVAILABLE ||
    error.code === GrpcStatus.INTERNAL ||
    error.code === GrpcStatus.UNKNOWN
  );
}

/** True when the server token expired: re-authenticate and resend (the request was refused, not applied). */
export function isInvalidToken(error: RawGrpcError): boolean {
  return detailsOf(error).startsWith('etcdserver: invalid auth token');
}

/**
 * True when a client with a user name and password should fetch a new token and resend, as etcd's Go
 * client does: the token is invalid, no user was named (a token was never sent, or auth was enabled after
 * the client found it off), or the auth store moved on since the token was issued.
 */
export function needsNewToken(error: RawGrpcError): boolean {
  const details = detailsOf(error);
  return (
    details.startsWith('etcdserver: invalid auth token') ||
    details === 'etcdserver: user name is empty' ||
    details === 'etcdserver: revision of auth store is old'
  );
}

/** How a call failed, for the choice between UnknownOutcomeError and a retryable error. */
export interface FailureContext {
  /** The call changes state (put, delete, txn with writes, compact, lease grant/revoke). */
  write: boolean;
  /** The call was aborted by the caller's signal. */
  aborted?: boolean;
}

/** Map a raw gRPC failure to the library's error classes. */
export function mapGrpcError(error: RawGrpcError, ctx: FailureContext): EtcdError {
  const details = detailsOf(error);
  const code = (error.code ?? GrpcStatus.UNKNOWN) as GrpcStatusCode;
  const cause = { cause: error };
  if (ctx.aborted) return new AbortError(undefined, cause);
  const known = BY_MESSAGE.get(details) ?? AUTH_BY_MESSAGE.get(details);
  const etcdError = known
    ? withCause(known(), error)
    : details.startsWith('etcdserver: request timed out')
      ? withCause(new RequestTimeoutError(), error)
      : undefined;
  // A write etcd gave up on (timed out, or its leader changed) was proposed and may still be committed.
  if (ctx.write && (etcdError instanceof RequestTimeoutError || etcdError instanceof LeaderChangedError)) {
    return new UnknownOutcomeError(`${etcdError.message}: the write may have been applied`, {
      cause: etcdError,
    });
  }
  if (etcdError) return etcdError;
  const tooLarge = /^grpc: received message larger than max \((\d+) vs\. (\d+)\)/.exec(details);
  if (tooLarge) return new MessageTooLargeError(Number(tooLarge[1]), Number(tooLarge[2]), cause);
  if (
    code === GrpcStatus.UNAUTHENTICATED ||
    code === GrpcStatus.PERMISSION_DENIED ||
    details.startsWith('etcdserver: authentication failed') ||
    details.startsWith('etcdserver: user name') ||
    details.startsWith('etcdserver: invalid auth token')
  ) {
    return new AuthError(details, cause);
  }
  if (wasNotSent(error)) return new UnavailableError(`etcd unavailable: ${details}`, cause);
  if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    return ctx.write
      ? new UnknownOutcomeError(
          `write deadline exceeded before a reply; it may have been applied: ${details}`,
          cause,
        )
      : new DeadlineExceededError(`deadline exceeded: ${details}`, cause);
  }
  if (isTransportFailure(error) || code === GrpcStatus.CANCELLED) {
    return ctx.write
      ? new UnknownOutcomeError(
          `connection failed after the write was sent; it may have been applied: ${details}`,
          cause,
        )
      : new UnavailableError(`etcd unavailable: ${details}`, cause);
  }
  return new UnknownServerError(code, details, cause);
}

function withCause<E extends EtcdError>(error: E, cause: unknown): E {
  Object.defineProperty(error, 'cause', {
    value: cause,
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return error;
}
