/**
 * etcd's auth errors, one class each, with etcd's gRPC status and text. Every class extends
 * {@link AuthError}, so `instanceof AuthError` catches them all.
 *
 * Some maintenance RPCs of etcd 3.4 and 3.5 pass the auth store's own error through unmapped: status
 * UNKNOWN and the text `auth: …` (for example `auth: permission denied` from Hash). Such an answer is the
 * same class, built with `{ unmapped: true }`; {@link AuthStoreError.unmapped} tells the two apart.
 */

import { AuthError, EtcdError, GrpcStatus, type GrpcStatusCode } from './errors.js';

/** Options of an auth error. */
export interface AuthErrorOptions extends ErrorOptions {
  /** The auth store's own text and status UNKNOWN, as etcd answers some maintenance RPCs. */
  unmapped?: boolean;
}

/** The base of the auth error classes: etcd's mapped status and text, or the unmapped variant. */
export class AuthStoreError extends AuthError {
  /** True when this is etcd's unmapped answer (status UNKNOWN, the auth store's `auth: …` text). */
  readonly unmapped: boolean;
  constructor(mapped: string, raw: string, options?: AuthErrorOptions) {
    super(options?.unmapped ? raw : mapped, options);
    this.unmapped = options?.unmapped === true;
  }
}

/** A class for one etcd auth error: its code, its mapped status and text, and the auth store's text. */
function authError(code: string, grpcCode: GrpcStatusCode, mapped: string, raw: string) {
  return class extends AuthStoreError {
    override readonly code = code;
    override readonly grpcCode: GrpcStatusCode;
    constructor(options?: AuthErrorOptions) {
      super(mapped, raw, options);
      this.grpcCode = options?.unmapped ? GrpcStatus.UNKNOWN : grpcCode;
    }
  };
}

const IA = GrpcStatus.INVALID_ARGUMENT;
const FP = GrpcStatus.FAILED_PRECONDITION;

/** AuthEnable while the user `root` does not exist. */
export class RootUserNotExistError extends authError(
  'ErrRootUserNotExist',
  FP,
  'etcdserver: root user does not exist',
  'auth: root user does not exist',
) {}
/** AuthEnable while the user `root` lacks the role `root`. */
export class RootRoleNotExistError extends authError(
  'ErrRootRoleNotExist',
  FP,
  'etcdserver: root user does not have root role',
  'auth: root user does not have root role',
) {}
/** UserAdd of a name already taken. */
export class UserAlreadyExistError extends authError(
  'ErrUserAlreadyExist',
  FP,
  'etcdserver: user name already exists',
  'auth: user already exists',
) {}
/** No user: an empty name, or (auth on) a request with neither a token nor a client certificate. */
export class UserEmptyError extends authError(
  'ErrUserEmpty',
  IA,
  'etcdserver: user name is empty',
  'auth: user name is empty',
) {}
/** A user that does not exist. */
export class UserNotFoundError extends authError(
  'ErrUserNotFound',
  FP,
  'etcdserver: user name not found',
  'auth: user not found',
) {}
/** RoleAdd of a name already taken. */
export class RoleAlreadyExistError extends authError(
  'ErrRoleAlreadyExist',
  FP,
  'etcdserver: role name already exists',
  'auth: role already exists',
) {}
/** A role that does not exist. */
export class RoleNotFoundError extends authError(
  'ErrRoleNotFound',
  FP,
  'etcdserver: role name not found',
  'auth: role not found',
) {}
/** RoleAdd with an empty name. */
export class RoleEmptyError extends authError(
  'ErrRoleEmpty',
  IA,
  'etcdserver: role name is empty',
  'auth: role name is empty',
) {}
/** Authenticate with an unknown or empty user name, or a wrong password. */
export class AuthFailedError extends authError(
  'ErrAuthFailed',
  IA,
  'etcdserver: authentication failed, invalid user ID or password',
  'auth: authentication failed, invalid user ID or password',
) {}
/** RoleGrantPermission without a permission. */
export class PermissionNotGivenError extends authError(
  'ErrPermissionNotGiven',
  IA,
  'etcdserver: permission not given',
  'auth: permission not given',
) {}
/** The caller's roles do not allow the request. */
export class PermissionDeniedError extends authError(
  'ErrPermissionDenied',
  GrpcStatus.PERMISSION_DENIED,
  'etcdserver: permission denied',
  'auth: permission denied',
) {}
/** UserRevokeRole of a role the user does not hold. */
export class RoleNotGrantedError extends authError(
  'ErrRoleNotGranted',
  FP,
  'etcdserver: role is not granted to the user',
  'auth: role is not granted to the user',
) {}
/** RoleRevokePermission of a (key, range end) the role does not have. */
export class PermissionNotGrantedError extends authError(
  'ErrPermissionNotGranted',
  FP,
  'etcdserver: permission is not granted to the role',
  'auth: permission is not granted to the role',
) {}
/** Authenticate while auth is disabled. */
export class AuthNotEnabledError extends authError(
  'ErrAuthNotEnabled',
  FP,
  'etcdserver: authentication is not enabled',
  'auth: authentication is not enabled',
) {}
/** A token that is expired, unknown, malformed, or (etcd < 3.4.28, < 3.5.10) any token while auth is off. */
export class InvalidAuthTokenError extends authError(
  'ErrInvalidAuthToken',
  GrpcStatus.UNAUTHENTICATED,
  'etcdserver: invalid auth token',
  'auth: invalid auth token',
) {}
/**
 * A change etcd forbids while auth is on (deleting the user or role `root`, revoking `root` from `root`),
 * or (etcd ≥ 3.4.25, 3.5.8) a permission with an empty key or a backwards range.
 */
export class InvalidAuthMgmtError extends authError(
  'ErrInvalidAuthMgmt',
  IA,
  'etcdserver: invalid auth management',
  'auth: invalid auth management',
) {}
/** The auth store changed after the request's token was issued (JWT) or checked. */
export class AuthOldRevisionError extends authError(
  'ErrAuthOldRevision',
  IA,
  'etcdserver: revision of auth store is old',
  'auth: revision in header is old',
) {}

/** Authenticate as a user added with `noPassword`; etcd answers it unmapped (status UNKNOWN). */
export class NoPasswordUserError extends AuthError {
  override readonly code = 'ErrNoPasswordUser';
  override readonly grpcCode = GrpcStatus.UNKNOWN;
  constructor(options?: ErrorOptions) {
    super('auth: authentication failed, password was given for no password user', options);
  }
}

/**
 * A password longer than bcrypt's 72 bytes, refused by etcd ≥ 3.4.28, 3.5.10 and 3.6 with Go's bcrypt text
 * and status UNKNOWN (older releases hashed only its first 72 bytes).
 */
export class PasswordTooLongError extends EtcdError {
  override readonly code = 'ErrPasswordTooLong';
  override readonly grpcCode = GrpcStatus.UNKNOWN;
  constructor(options?: ErrorOptions) {
    super('bcrypt: password length exceeds 72 bytes', options);
  }
}
