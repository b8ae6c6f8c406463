/**
 * etcd v3's Auth service: users, roles and key permissions, as request and response types and the
 * {@link AuthBackend} interface that both backends implement next to {@link KvBackend}.
 *
 * Field names follow rpc.proto in camelCase, including its mix of `name`, `user` and `role`.
 */

import type { CallOptions, KvBackend } from './backend.js';
import type { Bytes, ResponseHeader } from './kv.js';

/** authpb.Permission.Type: what a permission allows on its keys. */
export type PermissionType = 'READ' | 'WRITE' | 'READWRITE';

/**
 * A key permission as a role holds it. `rangeEnd` follows the range conventions: empty → the single key;
 * `"\0"` → every key from `key` on; otherwise [key, rangeEnd).
 */
export interface Permission {
  permType: PermissionType;
  key: Uint8Array;
  rangeEnd: Uint8Array;
}

/** A permission to grant: like {@link Permission}, with bytes given as strings or arrays. */
export interface PermissionRequest {
  permType: PermissionType;
  key: Bytes;
  /** Absent or empty: the single key. `"\0"`: from key. Use `prefixEnd(key)` for a prefix. */
  rangeEnd?: Bytes;
}

/** A response that carries only a header (most auth RPCs). `header.revision` is the current KV revision. */
export interface AuthResponse {
  header: ResponseHeader;
}

/** AuthStatusResponse (etcd 3.5 and later; 3.4 answers UNIMPLEMENTED). */
export interface AuthStatusResponse extends AuthResponse {
  enabled: boolean;
  /** The auth revision: 1 at first, one more for each user or role change and each AuthDisable. */
  authRevision: number;
}

/** AuthenticateRequest. */
export interface AuthenticateRequest {
  name: string;
  password: string;
}

/** AuthenticateResponse. */
export interface AuthenticateResponse extends AuthResponse {
  /** The token to present on later calls (a simple token lives in the server's memory only). */
  token: string;
}

/** AuthUserAddRequest. */
export interface AuthUserAddRequest {
  name: string;
  /** The password; etcd accepts an empty one. Ignored with `noPassword`. */
  password?: string;
  /** A user who cannot authenticate with a password (only through a client certificate's CN). */
  noPassword?: boolean;
}

/** AuthUserGetRequest. */
export interface AuthUserGetRequest {
  name: string;
}

/** AuthUserGetResponse: the user's roles, sorted. */
export interface AuthUserGetResponse extends AuthResponse {
  roles: string[];
}

/** AuthUserListResponse: every user name, sorted. */
export interface AuthUserListResponse extends AuthResponse {
  users: string[];
}

/** AuthUserDeleteRequest. */
export interface AuthUserDeleteRequest {
  name: string;
}

/** AuthUserChangePasswordRequest. */
export interface AuthUserChangePasswordRequest {
  name: string;
  password: string;
}

/** AuthUserGrantRoleRequest. */
export interface AuthUserGrantRoleRequest {
  user: string;
  role: string;
}

/** AuthUserRevokeRoleRequest. */
export interface AuthUserRevokeRoleRequest {
  name: string;
  role: string;
}

/** AuthRoleAddRequest. */
export interface AuthRoleAddRequest {
  name: string;
}

/** AuthRoleGetRequest. */
export interface AuthRoleGetRequest {
  role: string;
}

/** AuthRoleGetResponse: the role's permissions, sorted by key. */
export interface AuthRoleGetResponse extends AuthResponse {
  perm: Permission[];
}

/** AuthRoleListResponse: every role created with RoleAdd, sorted. */
export interface AuthRoleListResponse extends AuthResponse {
  roles: string[];
}

/** AuthRoleDeleteRequest. */
export interface AuthRoleDeleteRequest {
  role: string;
}

/** AuthRoleGrantPermissionRequest. */
export interface AuthRoleGrantPermissionRequest {
  name: string;
  perm: PermissionRequest;
}

/** AuthRoleRevokePermissionRequest: the exact (key, rangeEnd) of a granted permission. */
export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: Bytes;
  rangeEnd?: Bytes;
}

/**
 * Who a client is, for a backend's `auth` option: a user name and password (a token is fetched with
 * Authenticate and fetched again when it expires), or a token issued earlier (used as is, never renewed).
 */
export type AuthCredentials = { username: string; password: string } | { token: string };

/**
 * etcd v3's Auth service. Implemented by the memory backend and the etcd backend with the same semantics
 * and error classes (see `auth-errors.ts`). With auth on, the callers' permissions decide what every
 * {@link KvBackend} call may do; a backend's `auth` option says who the caller is.
 */
export interface AuthBackend {
  /** AuthEnable: needs the user `root` holding the role `root`; a no-op when already on. */
  authEnable(options?: CallOptions): Promise<AuthResponse>;
  /** AuthDisable: invalidates every token. A no-op when already off. */
  authDisable(options?: CallOptions): Promise<AuthResponse>;
  /** AuthStatus (etcd 3.5 and later). */
  authStatus(options?: CallOptions): Promise<AuthStatusResponse>;
  /**
   * Authenticate: a token for `name`; fails with AuthFailedError, or AuthNotEnabledError when auth is off.
   * It is sent without the client's own token, so any client can call it.
   */
  authenticate(request: AuthenticateRequest, options?: CallOptions): Promise<AuthenticateResponse>;
  /** UserAdd. */
  userAdd(request: AuthUserAddRequest, options?: CallOptions): Promise<AuthResponse>;
  /** UserGet: the user's roles (admins, or the user asking about itself). */
  userGet(request: AuthUserGetRequest, options?: CallOptions): Promise<AuthUserGetResponse>;
  /** UserList. */
  userList(options?: CallOptions): Promise<AuthUserListResponse>;
  /** UserDelete: its tokens die with it. */
  userDelete(request: AuthUserDeleteRequest, options?: CallOptions): Promise<AuthResponse>;
  /** UserChangePassword: the user's tokens die (admins only, even for oneself). */
  userChangePassword(request: AuthUserChangePasswordRequest, options?: CallOptions): Promise<AuthResponse>;
  /** UserGrantRole (`root` need not exist as a role). */
  userGrantRole(request: AuthUserGrantRoleRequest, options?: CallOptions): Promise<AuthResponse>;
  /** UserRevokeRole. */
  userRevokeRole(request: AuthUserRevokeRoleRequest, options?: CallOptions): Promise<AuthResponse>;
  /** RoleAdd. */
  roleAdd(request: AuthRoleAddRequest, options?: CallOptions): Promise<AuthResponse>;
  /** RoleGet (admins, or a holder of the role). */
  roleGet(request: AuthRoleGetRequest, options?: CallOptions): Promise<AuthRoleGetResponse>;
  /** RoleList. */
  roleList(options?: CallOptions): Promise<AuthRoleListResponse>;
  /** RoleDelete: also revokes the role from every user. */
  roleDelete(request: AuthRoleDeleteRequest, options?: CallOptions): Promise<AuthResponse>;
  /**
   * RoleGrantPermission: granting the same (key, rangeEnd) again replaces its type. Keys are raw etcd
   * keys: the etcd backend's `namespace` option does not apply to them.
   */
  roleGrantPermission(request: AuthRoleGrantPermissionRequest, options?: CallOptions): Promise<AuthResponse>;
  /** RoleRevokePermission. */
  roleRevokePermission(
    request: AuthRoleRevokePermissionRequest,
    options?: CallOptions,
  ): Promise<AuthResponse>;
}

const AUTH_METHODS = ['authEnable', 'authenticate', 'userAdd', 'roleGrantPermission'] as const;

/** True when `backend` also implements {@link AuthBackend} (both built-in backends do). */
export function isAuthBackend<B extends KvBackend>(backend: B): backend is B & AuthBackend {
  const b = backend as unknown as Record<string, unknown>;
  return AUTH_METHODS.every((m) => typeof b[m] === 'function');
}
