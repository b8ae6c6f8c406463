/**
 * The Auth service over etcd3's raw AuthClient: requests checked as the memory backend checks them,
 * then translated to etcd's messages and back. Permission keys are raw etcd keys: the `namespace` option
 * does not apply to them (as etcd's Go namespace package leaves Auth alone).
 */

import { AuthClient } from 'etcd3';
import { nameArg, noPasswordArg, PERMISSION_TYPES, passwordArg, permTypeArg } from '../common/auth-args.js';
import { toBytes } from '../common/bytes.js';
import { bytesArg, optionalBytesArg, requestArg } from '../common/validate.js';
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
  PermissionType,
} from '../interface/auth.js';
import { decodeHeader, type Wire } from './decode.js';
import { toSafeNumber } from './numbers.js';
import type { EndpointPool, PoolCallOptions } from './pool.js';

/** etcd3's proto names the permission types Read, Write, Readwrite. */
const TYPE_BY_WIRE: Record<string, PermissionType> = { Read: 'READ', Write: 'WRITE', Readwrite: 'READWRITE' };

const EMPTY = new Uint8Array(0);

function bytesOf(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : EMPTY;
}

function header(res: Wire): AuthResponse {
  return { header: decodeHeader(res.header) };
}

/** A permission from RoleGet; a type outside the enum (stored by a raw client) keeps its number as text. */
function decodePermission(p: Wire): Permission {
  const wire = p.permType;
  const permType =
    typeof wire === 'number'
      ? (PERMISSION_TYPES[wire] ?? (String(wire) as PermissionType))
      : (TYPE_BY_WIRE[String(wire)] ?? (String(wire) as PermissionType));
  return { permType, key: bytesOf(p.key), rangeEnd: bytesOf(p.range_end) };
}

/** Buffer from bytes, for etcd3's encoder. */
function buf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The Auth service's calls; `opts` are the pool call options each call runs with. */
export class EtcdAuthCalls {
  readonly #client: AuthClient;

  constructor(pool: EndpointPool) {
    this.#client = new AuthClient(pool);
  }

  async authEnable(opts: PoolCallOptions): Promise<AuthResponse> {
    return header(await this.#client.authEnable(opts));
  }

  async authDisable(opts: PoolCallOptions): Promise<AuthResponse> {
    return header(await this.#client.authDisable(opts));
  }

  async authStatus(opts: PoolCallOptions): Promise<AuthStatusResponse> {
    const res: Wire = await this.#client.authStatus(opts);
    return {
      header: decodeHeader(res.header),
      enabled: res.enabled === true,
      authRevision: toSafeNumber('authRevision', res.authRevision),
    };
  }

  async authenticate(request: AuthenticateRequest, opts: PoolCallOptions): Promise<AuthenticateResponse> {
    const r = requestArg('authenticate request', request);
    const msg = { name: nameArg('name', r.name), password: passwordArg(r.password, false) };
    const res: Wire = await this.#client.authenticate(msg, opts);
    return { header: decodeHeader(res.header), token: String(res.token) };
  }

  async userAdd(request: AuthUserAddRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const r = requestArg('user add request', request);
    const msg = {
      name: nameArg('name', r.name),
      password: passwordArg(r.password, true),
      options: { no_password: noPasswordArg(r.noPassword) },
    };
    return header(await this.#client.userAdd(msg as never, opts));
  }

  async userGet(request: AuthUserGetRequest, opts: PoolCallOptions): Promise<AuthUserGetResponse> {
    const msg = { name: nameArg('name', requestArg('user get request', request).name) };
    const res: Wire = await this.#client.userGet(msg, opts);
    return { header: decodeHeader(res.header), roles: [...((res.roles ?? []) as string[])] };
  }

  async userList(opts: PoolCallOptions): Promise<AuthUserListResponse> {
    const res: Wire = await this.#client.userList(opts);
    return { header: decodeHeader(res.header), users: [...((res.users ?? []) as string[])] };
  }

  async userDelete(request: AuthUserDeleteRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const msg = { name: nameArg('name', requestArg('user delete request', request).name) };
    return header(await this.#client.userDelete(msg, opts));
  }

  async userChangePassword(
    request: AuthUserChangePasswordRequest,
    opts: PoolCallOptions,
  ): Promise<AuthResponse> {
    const r = requestArg('user change password request', request);
    const msg = { name: nameArg('name', r.name), password: passwordArg(r.password, false) };
    return header(await this.#client.userChangePassword(msg, opts));
  }

  async userGrantRole(request: AuthUserGrantRoleRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const r = requestArg('user grant role request', request);
    const msg = { user: nameArg('user', r.user), role: nameArg('role', r.role) };
    return header(await this.#client.userGrantRole(msg, opts));
  }

  async userRevokeRole(request: AuthUserRevokeRoleRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const r = requestArg('user revoke role request', request);
    const msg = { name: nameArg('name', r.name), role: nameArg('role', r.role) };
    return header(await this.#client.userRevokeRole(msg, opts));
  }

  async roleAdd(request: AuthRoleAddRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const msg = { name: nameArg('name', requestArg('role add request', request).name) };
    return header(await this.#client.roleAdd(msg, opts));
  }

  async roleGet(request: AuthRoleGetRequest, opts: PoolCallOptions): Promise<AuthRoleGetResponse> {
    const msg = { role: nameArg('role', requestArg('role get request', request).role) };
    const res: Wire = await this.#client.roleGet(msg, opts);
    return { header: decodeHeader(res.header), perm: ((res.perm ?? []) as Wire[]).map(decodePermission) };
  }

  async roleList(opts: PoolCallOptions): Promise<AuthRoleListResponse> {
    const res: Wire = await this.#client.roleList(opts);
    return { header: decodeHeader(res.header), roles: [...((res.roles ?? []) as string[])] };
  }

  async roleDelete(request: AuthRoleDeleteRequest, opts: PoolCallOptions): Promise<AuthResponse> {
    const msg = { role: nameArg('role', requestArg('role delete request', request).role) };
    return header(await this.#client.roleDelete(msg, opts));
  }

  async roleGrantPermission(
    request: AuthRoleGrantPermissionRequest,
    opts: PoolCallOptions,
  ): Promise<AuthResponse> {
    const r = requestArg('role grant permission request', request);
    const name = nameArg('name', r.name);
    const perm = requestArg('perm', r.perm);
    const msg = {
      name,
      perm: {
        permType: permTypeArg(perm.permType),
        key: buf(bytesArg('perm key', perm.key)),
        range_end: buf(optionalBytesArg('perm rangeEnd', perm.rangeEnd) ?? EMPTY),
      },
    };
    return header(await this.#client.roleGrantPermission(msg as never, opts));
  }

  async roleRevokePermission(
    request: AuthRoleRevokePermissionRequest,
    opts: PoolCallOptions,
  ): Promise<AuthResponse> {
    const r = requestArg('role revoke permission request', request);
    const msg = {
      role: nameArg('role', r.role),
      key: buf(toBytes(bytesArg('key', r.key))),
      range_end: buf(optionalBytesArg('rangeEnd', r.rangeEnd) ?? EMPTY),
    };
    return header(await this.#client.roleRevokePermission(msg as never, opts));
  }
}
