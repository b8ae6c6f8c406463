/**
 * The memory store's Auth service: etcd's users, roles and permissions, its simple tokens, and who may
 * do what. Each method takes the caller's {@link RequestCredentials} and answers as etcd does, in etcd's
 * order: the token is checked first (InvalidAuthTokenError), then the size of the request, then, at
 * "apply", the caller's right (root for management), then the request itself.
 *
 * Where etcd releases differ, the store's `etcdVersion` decides ({@link AuthBehaviour}); where a release
 * has a security defect, every version gets the fixed behaviour (see the list of differences).
 */

import {
  nameArg,
  noPasswordArg,
  PERMISSION_TYPES,
  passwordArg,
  permTypeArg,
} from '../../common/auth-args.js';
import { requestArg } from '../../common/validate.js';
import type {
  AuthenticateRequest,
  AuthenticateResponse,
  AuthResponse,
  AuthRoleAddRequest,
  AuthRoleDeleteRequest,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthStatusResponse,
  AuthUserAddRequest,
  AuthUserChangePasswordRequest,
  AuthUserDeleteRequest,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
  Permission,
} from '../../interface/auth.js';
import {
  AuthFailedError,
  AuthNotEnabledError,
  AuthOldRevisionError,
  InvalidAuthMgmtError,
  InvalidAuthTokenError,
  NoPasswordUserError,
  PasswordTooLongError,
  PermissionDeniedError,
  PermissionNotGivenError,
  UserEmptyError,
  UserNotFoundError,
} from '../../interface/auth-errors.js';
import type { Clock } from '../../interface/clock.js';
import { GrpcStatus, RequestTooLargeError, UnknownServerError } from '../../interface/errors.js';
import type { ResponseHeader } from '../../interface/kv.js';
import type { AuthBehaviour } from '../etcd-version.js';
import { optionalStoreString, storeString, toBytesOut } from '../keys.js';
import { lenField } from '../request-size.js';
import { AuthState, type PermTypeNumber, ROOT, type User, validPermissionRange } from './auth-state.js';
import { type AuthInfo, grpcErrorText, NO_USER, type RequestCredentials } from './caller.js';
import {
  decoyHash,
  hashPassword,
  type PasswordHash,
  verifyPassword,
  verifyPasswordSync,
} from './password.js';
import { SimpleTokens } from './simple-tokens.js';
import type { TokenProvider } from './token-provider.js';

/** What the auth service needs from its store. */
export interface MemoryAuthOptions {
  readonly clock: Clock;
  readonly behaviour: AuthBehaviour;
  /** The password hashing cost (etcd's --bcrypt-cost). */
  readonly hashCost: number;
  /** Simple-token TTL in seconds (etcd's --auth-token-ttl). */
  readonly tokenTtl: number;
  /** Another token provider instead of simple tokens (JWT). */
  readonly tokens?: TokenProvider;
  /** The largest request accepted (etcd's --max-request-bytes). */
  readonly maxRequestBytes: number;
  /** A header at the current KV revision. */
  header(): ResponseHeader;
}

/** bcrypt reads at most this many bytes of a password. */
const BCRYPT_MAX_BYTES = 72;
/** What a bcrypt hash takes in etcd ≥ 3.5's raft entry (base64 of 60 bytes). */
const HASHED_PASSWORD_BYTES = 80;
/** InternalRaftRequest's header and the 2-byte tag of the auth request fields (numbers 1000 and up). */
const RAFT_HEADER_BYTES = 14;

/** How an identity is checked: normally, or as the maintenance RPCs of 3.4 and 3.5 answer. */
export interface AuthCheckOptions {
  /** Throw the errors unmapped (status UNKNOWN, `auth: …`). */
  readonly unmapped?: boolean;
}

/** The auth service of a memory store. */
export class MemoryAuth {
  readonly #state = new AuthState();
  readonly #tokens: TokenProvider;
  readonly #behaviour: AuthBehaviour;
  readonly #cost: number;
  readonly #maxRequestBytes: number;
  readonly #header: () => ResponseHeader;

  /** @internal The store makes its auth service. */
  constructor(options: MemoryAuthOptions) {
    this.#behaviour = options.behaviour;
    this.#cost = options.hashCost;
    this.#maxRequestBytes = options.maxRequestBytes;
    this.#header = options.header;
    this.#tokens = options.tokens ?? new SimpleTokens(options.clock, options.tokenTtl);
  }

  /** True while auth is on. */
  get enabled(): boolean {
    return this.#state.enabled;
  }

  /** The auth revision. */
  get revision(): number {
    return this.#state.revision;
  }

  /** The kind of token Authenticate hands out: "simple" or "jwt". */
  get tokenKind(): string {
    return this.#tokens.kind;
  }

  // ---- identity and rights, for the store's requests ----

  /**
   * The identity a request runs as (etcd's AuthInfoFromCtx): undefined while auth is off (nothing to
   * check), else the token's user, the certificate's CN, or no user (an empty name). A bad token throws
   * InvalidAuthTokenError — also while auth is off on releases that refuse tokens then.
   */
  identify(caller: RequestCredentials | undefined, options: AuthCheckOptions = {}): AuthInfo | undefined {
    const token = caller?.token;
    if (!this.#state.enabled) {
      // Simple tokens all died with AuthDisable; a JWT stays valid until it expires.
      const refused = token !== undefined && this.#behaviour.tokenWhileOff === 'refused';
      if (refused && this.#tokens.info(token, this.#state.revision) === undefined) {
        throw new InvalidAuthTokenError({ unmapped: options.unmapped === true });
      }
      return undefined;
    }
    if (token !== undefined) {
      const info = this.#tokens.info(token, this.#state.revision);
      if (info === undefined) throw new InvalidAuthTokenError({ unmapped: options.unmapped === true });
      return info;
    }
    const cn = caller?.commonName;
    if (cn !== undefined && cn !== '') return { username: cn, revision: this.#state.revision };
    return NO_USER;
  }

  /**
   * etcd's requireAuthInfo: with auth on, the request must name a user. While auth is off only a raft
   * request (`raft`: LeaseGrant, LeaseRevoke, Alarm) has its token checked, as in 3.4; the others
   * (Status, KeepAlive, TimeToLive, Leases) never looked at it.
   */
  requireUser(
    caller: RequestCredentials | undefined,
    options: AuthCheckOptions & { readonly raft?: boolean } = {},
  ): AuthInfo | undefined {
    if (!this.#state.enabled && options.raft !== true) return undefined;
    const who = this.identify(caller, options);
    if (who !== undefined && who.username === '') {
      throw new UserEmptyError({ unmapped: options.unmapped === true });
    }
    return who;
  }

  /** etcd's IsAdminPermitted: nothing while auth is off; else the user must hold the role root. */
  checkAdmin(who: AuthInfo | undefined, options: AuthCheckOptions = {}): void {
    if (who === undefined) return;
    const unmapped = options.unmapped === true;
    if (who.username === '') throw new UserEmptyError({ unmapped });
    const user = this.#state.user(who.username);
    if (user === undefined) throw new UserNotFoundError({ unmapped });
    if (!this.#state.isRoot(user)) throw new PermissionDeniedError({ unmapped });
  }

  /**
   * The check of a maintenance RPC as current etcd makes it: `admin` for Hash, HashKV, Defragment,
   * Snapshot, MoveLeader and Alarm activate/deactivate; `user` for Alarm get. etcd 3.4 and 3.5 answer
   * these errors unmapped (status UNKNOWN, `auth: …`); the store's `etcdVersion` decides.
   */
  checkMaintenance(caller: RequestCredentials | undefined, need: 'admin' | 'user'): void {
    const unmapped = this.#behaviour.maintenanceAuthErrors === 'unmapped';
    if (need === 'user') this.requireUser(caller, { raft: true, unmapped });
    else this.checkAdmin(this.identify(caller, { unmapped }), { unmapped });
  }

  /** True when `who` may skip key checks: auth is off, or the user holds the role root. */
  isAdmin(who: AuthInfo | undefined): boolean {
    if (who === undefined) return true;
    const user = this.#state.user(who.username);
    return user !== undefined && this.#state.isRoot(user);
  }

  /**
   * etcd's isOpPermitted: READ (or WRITE) on `key` ("" rangeEnd: one key; "\0": from key; else up to
   * rangeEnd). Throws UserEmptyError, AuthOldRevisionError or PermissionDeniedError.
   */
  checkKeys(who: AuthInfo | undefined, key: string, rangeEnd: string, write: boolean): void {
    if (who === undefined) return;
    if (who.revision === 0) throw new UserEmptyError();
    if (who.revision < this.#state.revision) throw new AuthOldRevisionError();
    const user = this.#state.user(who.username);
    if (user === undefined) throw new PermissionDeniedError();
    if (this.#state.isRoot(user)) return;
    const perms = this.#state.permissions(user);
    if (!(write ? perms.write : perms.read).permits(key, rangeEnd)) throw new PermissionDeniedError();
  }

  /**
   * The check of a watch create (etcd's isWatchPermitted): undefined when allowed, else the cancel reason
   * etcd sends ("rpc error: code = PermissionDenied desc = etcdserver: permission denied", …).
   */
  watchRefusal(caller: RequestCredentials | undefined, key: string, rangeEnd: string): string | undefined {
    try {
      this.checkKeys(this.identify(caller) ?? undefined, key, rangeEnd, false);
      return undefined;
    } catch (error) {
      if (error instanceof InvalidAuthTokenError) return grpcErrorText('Unauthenticated', error.message);
      if (error instanceof UserEmptyError) return grpcErrorText('InvalidArgument', error.message);
      if (error instanceof AuthOldRevisionError) return grpcErrorText('InvalidArgument', error.message);
      return grpcErrorText('PermissionDenied', new PermissionDeniedError().message);
    }
  }

  // ---- the Auth service ----

  /** AuthEnable. */
  authEnable(caller?: RequestCredentials): AuthResponse {
    this.checkAdmin(this.identify(caller));
    if (this.#state.enable()) this.#tokens.enable();
    return { header: this.#header() };
  }

  /** AuthDisable: every token dies. */
  authDisable(caller?: RequestCredentials): AuthResponse {
    this.checkAdmin(this.identify(caller));
    if (this.#state.disable()) this.#tokens.disable();
    return { header: this.#header() };
  }

  /** AuthStatus (UNIMPLEMENTED on 3.4, as there). */
  authStatus(caller?: RequestCredentials): AuthStatusResponse {
    if (!this.#behaviour.authStatus) {
      throw new UnknownServerError(
        GrpcStatus.UNIMPLEMENTED,
        'unknown method AuthStatus for service etcdserverpb.Auth',
      );
    }
    this.identify(caller);
    return { header: this.#header(), enabled: this.#state.enabled, authRevision: this.#state.revision };
  }

  /** Authenticate: check the password, then hand out a token. */
  async authenticate(
    request: AuthenticateRequest,
    caller?: RequestCredentials,
  ): Promise<AuthenticateResponse> {
    const r = requestArg('authenticate request', request);
    const name = nameArg('name', r.name);
    const password = passwordArg(r.password, false);
    for (;;) {
      const user = this.#passwordUser(name);
      const ok = await verifyPassword(password, user?.password ?? decoyHash(this.#cost));
      // The user may have changed while the hash was computed: check again against what is there now.
      if (this.#passwordUser(name)?.password !== user?.password) continue;
      return this.#issue(name, user !== undefined && ok, caller);
    }
  }

  /**
   * {@link authenticate}, blocking (the hash is computed synchronously): for a client that must renew its
   * token inside a synchronous call (a watch create).
   */
  authenticateSync(request: AuthenticateRequest, caller?: RequestCredentials): AuthenticateResponse {
    const name = nameArg('name', request.name);
    const password = passwordArg(request.password, false);
    const user = this.#passwordUser(name);
    const ok = verifyPasswordSync(password, user?.password ?? decoyHash(this.#cost));
    return this.#issue(name, user !== undefined && ok, caller);
  }

  /** UserAdd. */
  async userAdd(request: AuthUserAddRequest, caller?: RequestCredentials): Promise<AuthResponse> {
    const r = requestArg('user add request', request);
    const name = nameArg('name', r.name);
    const password = passwordArg(r.password, true);
    const noPassword = noPasswordArg(r.noPassword);
    if (!noPassword) this.#checkPasswordLength(password);
    const who = this.identify(caller);
    this.#checkSize(lenField(byteLength(name)) + (noPassword ? 2 : this.#passwordFieldBytes(password)) + 4);
    this.checkAdmin(who);
    this.#state.checkUserAdd(name);
    const hash = noPassword ? undefined : await hashPassword(password, this.#cost);
    this.checkAdmin(this.identify(caller));
    this.#state.addUser(name, hash, noPassword);
    return { header: this.#header() };
  }

  /** UserGet: admins, or the user about itself. */
  userGet(request: AuthUserGetRequest, caller?: RequestCredentials): AuthUserGetResponse {
    const name = nameArg('name', requestArg('user get request', request).name);
    const who = this.identify(caller);
    this.#checkAdminOr(who, who?.username === name);
    const user = this.#state.existingUser(name);
    return { header: this.#header(), roles: [...user.roles] };
  }

  /** UserList. */
  userList(caller?: RequestCredentials): AuthUserListResponse {
    this.checkAdmin(this.identify(caller));
    return { header: this.#header(), users: this.#state.userNames() };
  }

  /** UserDelete: the user's tokens die with it. */
  userDelete(request: AuthUserDeleteRequest, caller?: RequestCredentials): AuthResponse {
    const name = nameArg('name', requestArg('user delete request', request).name);
    this.checkAdmin(this.identify(caller));
    this.#state.deleteUser(name);
    this.#tokens.invalidateUser(name);
    return { header: this.#header() };
  }

  /** UserChangePassword: admins only, even for oneself; the user's tokens die. */
  async userChangePassword(
    request: AuthUserChangePasswordRequest,
    caller?: RequestCredentials,
  ): Promise<AuthResponse> {
    const r = requestArg('user change password request', request);
    const name = nameArg('name', r.name);
    const password = passwordArg(r.password, false);
    this.#checkPasswordLength(password);
    const who = this.identify(caller);
    this.#checkSize(lenField(byteLength(name)) + this.#passwordFieldBytes(password));
    this.checkAdmin(who);
    this.#state.existingUser(name);
    const hash = await hashPassword(password, this.#cost);
    this.checkAdmin(this.identify(caller));
    this.#state.setPassword(name, hash);
    this.#tokens.invalidateUser(name);
    return { header: this.#header() };
  }

  /** UserGrantRole. */
  userGrantRole(request: AuthUserGrantRoleRequest, caller?: RequestCredentials): AuthResponse {
    const r = requestArg('user grant role request', request);
    const user = nameArg('user', r.user);
    const role = nameArg('role', r.role);
    this.checkAdmin(this.identify(caller));
    this.#state.grantRole(user, role);
    return { header: this.#header() };
  }

  /** UserRevokeRole. */
  userRevokeRole(request: AuthUserRevokeRoleRequest, caller?: RequestCredentials): AuthResponse {
    const r = requestArg('user revoke role request', request);
    const name = nameArg('name', r.name);
    const role = nameArg('role', r.role);
    this.checkAdmin(this.identify(caller));
    this.#state.revokeRole(name, role);
    return { header: this.#header() };
  }

  /** RoleAdd. */
  roleAdd(request: AuthRoleAddRequest, caller?: RequestCredentials): AuthResponse {
    const name = nameArg('name', requestArg('role add request', request).name);
    const who = this.identify(caller);
    this.#checkSize(lenField(byteLength(name)));
    this.checkAdmin(who);
    this.#state.addRole(name);
    return { header: this.#header() };
  }

  /** RoleGet: admins, or a holder of the role. */
  roleGet(request: AuthRoleGetRequest, caller?: RequestCredentials): AuthRoleGetResponse {
    const name = nameArg('role', requestArg('role get request', request).role);
    const who = this.identify(caller);
    this.#checkAdminOr(who, who !== undefined && this.#state.hasRole(who.username, name));
    const role = this.#state.existingRole(name);
    if (name === ROOT && this.#behaviour.rootRoleGet === 'all-keys') {
      return {
        header: this.#header(),
        perm: [{ permType: 'READWRITE', key: new Uint8Array(0), rangeEnd: new Uint8Array([0]) }],
      };
    }
    const perm: Permission[] = role.perms.map((p) => ({
      permType: PERMISSION_TYPES[p.type]!,
      key: toBytesOut(p.key),
      rangeEnd: toBytesOut(p.rangeEnd),
    }));
    return { header: this.#header(), perm };
  }

  /** RoleList: the roles created with RoleAdd. */
  roleList(caller?: RequestCredentials): AuthRoleListResponse {
    this.checkAdmin(this.identify(caller));
    return { header: this.#header(), roles: this.#state.roleNames() };
  }

  /** RoleDelete. */
  roleDelete(request: AuthRoleDeleteRequest, caller?: RequestCredentials): AuthResponse {
    const name = nameArg('role', requestArg('role delete request', request).role);
    this.checkAdmin(this.identify(caller));
    this.#state.deleteRole(name);
    return { header: this.#header() };
  }

  /** RoleGrantPermission. */
  roleGrantPermission(request: AuthRoleGrantPermissionRequest, caller?: RequestCredentials): AuthResponse {
    const r = requestArg('role grant permission request', request);
    const name = nameArg('name', r.name);
    const perm = r.perm === undefined ? undefined : requestArg('perm', r.perm);
    const parsed = perm === undefined ? undefined : parsePermission(perm);
    const who = this.identify(caller);
    this.#checkSize(
      lenField(byteLength(name)) + (parsed ? lenField(parsed.key.length + parsed.rangeEnd.length + 6) : 0),
    );
    this.checkAdmin(who);
    // etcd < 3.4.25 crashes on a grant without a permission; every version answers as later ones do.
    if (parsed === undefined) throw new PermissionNotGivenError();
    if (this.#behaviour.permissionRangeChecked && !validPermissionRange(parsed.key, parsed.rangeEnd)) {
      throw new InvalidAuthMgmtError();
    }
    this.#state.grantPermission(name, parsed);
    return { header: this.#header() };
  }

  /** RoleRevokePermission: the exact (key, rangeEnd). */
  roleRevokePermission(request: AuthRoleRevokePermissionRequest, caller?: RequestCredentials): AuthResponse {
    const r = requestArg('role revoke permission request', request);
    const role = nameArg('role', r.role);
    const key = storeString('key', r.key);
    const rangeEnd = optionalStoreString('rangeEnd', r.rangeEnd);
    this.checkAdmin(this.identify(caller));
    this.#state.revokePermission(role, key, rangeEnd);
    return { header: this.#header() };
  }

  // ---- internals ----

  /** CheckPassword's first part: auth on, a user with a password. */
  #passwordUser(name: string): User | undefined {
    if (!this.#state.enabled) throw new AuthNotEnabledError();
    const user = this.#state.user(name);
    if (user?.noPassword) throw new NoPasswordUserError();
    return user;
  }

  /** After the password check: the token check of old releases, then a token. */
  #issue(name: string, passwordOk: boolean, caller: RequestCredentials | undefined): AuthenticateResponse {
    if (!passwordOk) throw new AuthFailedError();
    if (this.#behaviour.authenticateChecksToken) this.identify(caller);
    return { header: this.#header(), token: this.#tokens.assign(name, this.#state.revision) };
  }

  /** UserGet and RoleGet: admins, or `allowed`; else the admin check's error. */
  #checkAdminOr(who: AuthInfo | undefined, allowed: boolean): void {
    try {
      this.checkAdmin(who);
    } catch (error) {
      if (!allowed) throw error;
    }
  }

  #checkPasswordLength(password: string): void {
    if (this.#behaviour.longPasswords === 'refused' && byteLength(password) > BCRYPT_MAX_BYTES) {
      throw new PasswordTooLongError();
    }
  }

  /** The password's bytes in the raft entry: as given (3.4), or its bcrypt hash (releases that refuse long ones). */
  #passwordFieldBytes(password: string): number {
    return this.#behaviour.longPasswords === 'accepted'
      ? lenField(byteLength(password))
      : lenField(HASHED_PASSWORD_BYTES);
  }

  /** An auth request's raft entry must fit --max-request-bytes. */
  #checkSize(innerBytes: number): void {
    if (RAFT_HEADER_BYTES + lenField(innerBytes, true, 2) > this.#maxRequestBytes) {
      throw new RequestTooLargeError();
    }
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A permission to grant, in stored form. */
function parsePermission(perm: AuthRoleGrantPermissionRequest['perm']): {
  type: PermTypeNumber;
  key: string;
  rangeEnd: string;
} {
  return {
    type: permTypeArg(perm.permType),
    key: storeString('perm key', perm.key),
    rangeEnd: optionalStoreString('perm rangeEnd', perm.rangeEnd),
  };
}

export type { PasswordHash };
