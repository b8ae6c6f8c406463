/**
 * Client-side checks of auth requests, shared by both backends so that both reject the same wrong input
 * with the same {@link InvalidArgumentError}. A password of the wrong type is reported by its type only,
 * never echoed.
 */

import type { AuthCredentials, PermissionType } from '../interface/auth.js';
import { InvalidArgumentError } from '../interface/errors.js';
import { describe } from './validate.js';

/** The permission types in etcd's numbering (READ 0, WRITE 1, READWRITE 2). */
export const PERMISSION_TYPES: readonly PermissionType[] = ['READ', 'WRITE', 'READWRITE'];

/** A user or role name (any string; etcd itself refuses empty ones where it must). */
export function nameArg(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  throw new InvalidArgumentError(`${field} must be a string, received ${describe(value)}`);
}

/** A password: a string (optional ones default to ""). */
export function passwordArg(value: unknown, optional: boolean): string {
  if (typeof value === 'string') return value;
  if (value === undefined && optional) return '';
  throw new InvalidArgumentError(
    `password must be a string, received ${value === null ? 'null' : typeof value}`,
  );
}

/** A permission type, as etcd numbers it. */
export function permTypeArg(value: unknown): 0 | 1 | 2 {
  const n = PERMISSION_TYPES.indexOf(value as PermissionType);
  if (n < 0) {
    throw new InvalidArgumentError(
      `permType must be 'READ', 'WRITE' or 'READWRITE', received ${describe(value)}`,
    );
  }
  return n as 0 | 1 | 2;
}

/** The `noPassword` flag of UserAdd. */
export function noPasswordArg(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  throw new InvalidArgumentError(`noPassword must be a boolean, received ${describe(value)}`);
}

/** A backend's `auth` option: a user name and password, or a token (a password is never echoed). */
export function credentialsArg(value: unknown): AuthCredentials | undefined {
  if (value === undefined) return undefined;
  const v = value as Record<string, unknown>;
  if (v !== null && typeof v === 'object') {
    if (typeof v.token === 'string' && v.username === undefined && v.password === undefined) {
      return { token: v.token };
    }
    if (typeof v.username === 'string' && typeof v.password === 'string' && v.token === undefined) {
      return { username: v.username, password: v.password };
    }
  }
  throw new InvalidArgumentError(
    `auth must be { username: string, password: string } or { token: string }, received ${describe(value)}`,
  );
}
