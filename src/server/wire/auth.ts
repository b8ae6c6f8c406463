/** Auth messages between the wire and the store's request types. */

import { PERMISSION_TYPES } from '../../common/auth-args.js';
import type {
  AuthenticateRequest,
  AuthRoleGrantPermissionRequest,
  AuthRoleRevokePermissionRequest,
  AuthUserAddRequest,
  Permission,
  PermissionType,
} from '../../interface/auth.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import { boolOf, bytesOf, enumOf, messageOf, present, type WireMessage } from './message.js';

/** A string field (proto3: "" when unset). */
export function stringOf(m: WireMessage, field: string): string {
  const v = m[field];
  return typeof v === 'string' ? v : '';
}

/** AuthenticateRequest from the wire. */
export function authenticateIn(m: WireMessage): AuthenticateRequest {
  return { name: stringOf(m, 'name'), password: stringOf(m, 'password') };
}

/** AuthUserAddRequest from the wire. */
export function userAddIn(m: WireMessage): AuthUserAddRequest {
  const options = messageOf(m, 'options');
  return {
    name: stringOf(m, 'name'),
    password: stringOf(m, 'password'),
    noPassword: options !== undefined && boolOf(options, 'no_password'),
  };
}

/**
 * AuthRoleGrantPermissionRequest from the wire. A request without `perm` passes through as such (the
 * store answers "permission not given"); a permission type outside the enum is refused here, since the
 * store keeps only READ, WRITE and READWRITE (etcd stores the number and grants nothing with it).
 */
export function grantPermissionIn(m: WireMessage): AuthRoleGrantPermissionRequest {
  const perm = messageOf(m, 'perm');
  if (perm === undefined) {
    return { name: stringOf(m, 'name'), perm: undefined } as unknown as AuthRoleGrantPermissionRequest;
  }
  const type = enumOf(perm, 'permType');
  const permType = PERMISSION_TYPES[type];
  if (permType === undefined) {
    throw new InvalidArgumentError(`permType ${type} is not READ (0), WRITE (1) or READWRITE (2)`);
  }
  return {
    name: stringOf(m, 'name'),
    perm: { permType, key: bytesOf(perm, 'key'), rangeEnd: bytesOf(perm, 'range_end') },
  };
}

/** AuthRoleRevokePermissionRequest from the wire. */
export function revokePermissionIn(m: WireMessage): AuthRoleRevokePermissionRequest {
  const out: AuthRoleRevokePermissionRequest = { role: stringOf(m, 'role'), key: bytesOf(m, 'key') };
  if (present(m, 'range_end')) out.rangeEnd = bytesOf(m, 'range_end');
  return out;
}

/** A Permission to the wire, its type as etcd numbers it. */
export function permissionOut(p: Permission): WireMessage {
  return {
    permType: PERMISSION_TYPES.indexOf(p.permType as PermissionType),
    key: p.key,
    range_end: p.rangeEnd,
  };
}
