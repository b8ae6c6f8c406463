/**
 * The auth store's data, as etcd's server/auth/store.go keeps it: users (salted password hash, sorted
 * roles), roles (permissions sorted by key), the enabled flag and the auth revision, and each user's
 * merged permissions. Every change here is one of etcd's, with etcd's checks and errors in etcd's order;
 * who may make it is decided by the caller ({@link MemoryAuth}).
 */

import {
  InvalidAuthMgmtError,
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
} from '../../interface/auth-errors.js';
import type { PasswordHash } from './password.js';
import { IntervalSet, permissionInterval } from './ranges.js';

/** The user and the role that administer etcd. */
export const ROOT = 'root';

/** A permission type as etcd numbers it: READ 0, WRITE 1, READWRITE 2. */
export type PermTypeNumber = 0 | 1 | 2;

/** A permission as stored: key and range end as Latin-1 storage strings ("" = one key, "\0" = from key). */
export interface StoredPermission {
  type: PermTypeNumber;
  readonly key: string;
  readonly rangeEnd: string;
}

/** A user. `password` is undefined for a `noPassword` user. */
export interface User {
  readonly name: string;
  password: PasswordHash | undefined;
  readonly noPassword: boolean;
  /** Sorted. */
  roles: string[];
}

/** A role created with RoleAdd. */
export interface Role {
  readonly name: string;
  /** Sorted by key (stable for equal keys). */
  perms: StoredPermission[];
}

/** A user's merged permissions, per type. */
export interface UserPermissions {
  readonly read: IntervalSet;
  readonly write: IntervalSet;
}

/** etcd's isValidPermissionRange: a non-empty key, and a range end that is empty, "\0" or above the key. */
export function validPermissionRange(key: string, rangeEnd: string): boolean {
  if (key === '') return false;
  if (rangeEnd === '' || rangeEnd === '\0') return true;
  return key < rangeEnd;
}

/** Users, roles, the enabled flag and the auth revision. */
export class AuthState {
  /** Auth is on: requests are checked. */
  enabled = false;
  /** Starts at 1; one more for each user or role change and each AuthDisable. */
  revision = 1;
  readonly #users = new Map<string, User>();
  readonly #roles = new Map<string, Role>();
  /** Merged permissions per user, rebuilt after any change (etcd's rangePermCache). */
  #merged = new Map<string, UserPermissions>();

  /** The user named `name`. */
  user(name: string): User | undefined {
    return this.#users.get(name);
  }

  /** The role named `name` (created with RoleAdd). */
  role(name: string): Role | undefined {
    return this.#roles.get(name);
  }

  /** Every user name, sorted. */
  userNames(): string[] {
    return [...this.#users.keys()].sort();
  }

  /** Every role name, sorted. */
  roleNames(): string[] {
    return [...this.#roles.keys()].sort();
  }

  /** True when `user` holds the role `root`. */
  isRoot(user: User): boolean {
    return user.roles.includes(ROOT);
  }

  /** True when the user named `username` holds `role` (etcd's HasRole). */
  hasRole(username: string, role: string): boolean {
    return this.#users.get(username)?.roles.includes(role) === true;
  }

  /** A user's merged permissions (READWRITE counts for both); unknown roles and types add nothing. */
  permissions(user: User): UserPermissions {
    let merged = this.#merged.get(user.name);
    if (merged === undefined) {
      const read = [];
      const write = [];
      for (const name of user.roles) {
        for (const p of this.#roles.get(name)?.perms ?? []) {
          const iv = permissionInterval(p.key, p.rangeEnd);
          if (p.type === 0 || p.type === 2) read.push(iv);
          if (p.type === 1 || p.type === 2) write.push(iv);
        }
      }
      merged = { read: new IntervalSet(read), write: new IntervalSet(write) };
      this.#merged.set(user.name, merged);
    }
    return merged;
  }

  /** AuthEnable's checks and switch (a no-op when on). */
  enable(): boolean {
    if (this.enabled) return false;
    const root = this.#users.get(ROOT);
    if (root === undefined) throw new RootUserNotExistError();
    if (!this.isRoot(root)) throw new RootRoleNotExistError();
    this.enabled = true;
    return true;
  }

  /** AuthDisable (a no-op when off). */
  disable(): boolean {
    if (!this.enabled) return false;
    this.enabled = false;
    this.#changed();
    return true;
  }

  /** UserAdd's checks, before the password is hashed. */
  checkUserAdd(name: string): void {
    if (name === '') throw new UserEmptyError();
    if (this.#users.has(name)) throw new UserAlreadyExistError();
  }

  /** UserAdd. */
  addUser(name: string, password: PasswordHash | undefined, noPassword: boolean): void {
    this.checkUserAdd(name);
    this.#users.set(name, { name, password, noPassword, roles: [] });
    this.#changed();
  }

  /** UserDelete. */
  deleteUser(name: string): void {
    if (this.enabled && name === ROOT) throw new InvalidAuthMgmtError();
    if (!this.#users.delete(name)) throw new UserNotFoundError();
    this.#changed();
  }

  /** The user a password change is for. */
  existingUser(name: string): User {
    const user = this.#users.get(name);
    if (user === undefined) throw new UserNotFoundError();
    return user;
  }

  /** UserChangePassword (a `noPassword` user stays one, as in etcd). */
  setPassword(name: string, password: PasswordHash): void {
    this.existingUser(name).password = password;
    this.#changed();
  }

  /** UserGrantRole; the role `root` need not exist. Re-granting changes nothing (no new revision). */
  grantRole(name: string, role: string): void {
    const user = this.existingUser(name);
    if (role !== ROOT && !this.#roles.has(role)) throw new RoleNotFoundError();
    if (user.roles.includes(role)) return;
    user.roles = [...user.roles, role].sort();
    this.#changed();
  }

  /** UserRevokeRole. */
  revokeRole(name: string, role: string): void {
    if (this.enabled && name === ROOT && role === ROOT) throw new InvalidAuthMgmtError();
    const user = this.existingUser(name);
    if (!user.roles.includes(role)) throw new RoleNotGrantedError();
    user.roles = user.roles.filter((r) => r !== role);
    this.#changed();
  }

  /** RoleAdd. */
  addRole(name: string): void {
    if (name === '') throw new RoleEmptyError();
    if (this.#roles.has(name)) throw new RoleAlreadyExistError();
    this.#roles.set(name, { name, perms: [] });
    this.#changed();
  }

  /** The role a read or change is for. */
  existingRole(name: string): Role {
    const role = this.#roles.get(name);
    if (role === undefined) throw new RoleNotFoundError();
    return role;
  }

  /** RoleDelete: also revoked from every user. */
  deleteRole(name: string): void {
    if (this.enabled && name === ROOT) throw new InvalidAuthMgmtError();
    this.existingRole(name);
    this.#roles.delete(name);
    for (const user of this.#users.values()) {
      if (user.roles.includes(name)) user.roles = user.roles.filter((r) => r !== name);
    }
    this.#changed();
  }

  /** RoleGrantPermission: the same (key, rangeEnd) again replaces its type. */
  grantPermission(role: string, perm: StoredPermission): void {
    const r = this.existingRole(role);
    // As etcd: only the first permission with this key (in key order) is looked at. If it has the same
    // range end its type is replaced; otherwise the grant is added, even when a later permission with
    // the same key has that range end (then both stay, and a read granted there is kept).
    const first = r.perms.find((p) => p.key >= perm.key);
    if (first !== undefined && first.key === perm.key && first.rangeEnd === perm.rangeEnd)
      first.type = perm.type;
    // A stable sort by key, as Go's sort.Sort is for the few permissions of a role (insertion sort up to 12).
    else r.perms = [...r.perms, { ...perm }].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#changed();
  }

  /** RoleRevokePermission: every permission with exactly this (key, rangeEnd). */
  revokePermission(role: string, key: string, rangeEnd: string): void {
    const r = this.existingRole(role);
    const kept = r.perms.filter((p) => p.key !== key || p.rangeEnd !== rangeEnd);
    if (kept.length === r.perms.length) throw new PermissionNotGrantedError();
    r.perms = kept;
    this.#changed();
  }

  /** A committed change: the auth revision moves on and merged permissions are rebuilt on demand. */
  #changed(): void {
    this.revision++;
    this.#merged = new Map();
  }
}
