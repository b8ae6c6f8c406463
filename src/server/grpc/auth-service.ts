/**
 * etcdserverpb.Auth: each RPC is one call of the connection's client, run with the request's own
 * credentials (metadata token, or the verified client certificate's CN).
 */

import {
  authenticateIn,
  grantPermissionIn,
  permissionOut,
  revokePermissionIn,
  stringOf,
  userAddIn,
} from '../wire/auth.js';
import type { WireMessage } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { callAs, type ServiceHandlers } from './handlers.js';

/** The Auth service's handlers. */
export function authService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  const headerOnly = (r: { header: Parameters<typeof h.full>[0] }): WireMessage => ({
    header: h.full(r.header),
  });
  return {
    unary: {
      AuthEnable: async (client, _m, meta) => headerOnly(await client.authEnable(callAs(meta))),
      AuthDisable: async (client, _m, meta) => headerOnly(await client.authDisable(callAs(meta))),
      AuthStatus: async (client, _m, meta) => {
        const r = await client.authStatus(callAs(meta));
        return { header: h.full(r.header), enabled: r.enabled, authRevision: r.authRevision };
      },
      Authenticate: async (client, m, meta) => {
        const r = await client.authenticate(authenticateIn(m), callAs(meta));
        return { header: h.full(r.header), token: r.token };
      },
      UserAdd: async (client, m, meta) => headerOnly(await client.userAdd(userAddIn(m), callAs(meta))),
      UserGet: async (client, m, meta) => {
        const r = await client.userGet({ name: stringOf(m, 'name') }, callAs(meta));
        return { header: h.full(r.header), roles: r.roles };
      },
      UserList: async (client, _m, meta) => {
        const r = await client.userList(callAs(meta));
        return { header: h.full(r.header), users: r.users };
      },
      UserDelete: async (client, m, meta) =>
        headerOnly(await client.userDelete({ name: stringOf(m, 'name') }, callAs(meta))),
      UserChangePassword: async (client, m, meta) =>
        headerOnly(
          await client.userChangePassword(
            { name: stringOf(m, 'name'), password: stringOf(m, 'password') },
            callAs(meta),
          ),
        ),
      UserGrantRole: async (client, m, meta) =>
        headerOnly(
          await client.userGrantRole({ user: stringOf(m, 'user'), role: stringOf(m, 'role') }, callAs(meta)),
        ),
      UserRevokeRole: async (client, m, meta) =>
        headerOnly(
          await client.userRevokeRole({ name: stringOf(m, 'name'), role: stringOf(m, 'role') }, callAs(meta)),
        ),
      RoleAdd: async (client, m, meta) =>
        headerOnly(await client.roleAdd({ name: stringOf(m, 'name') }, callAs(meta))),
      RoleGet: async (client, m, meta) => {
        const r = await client.roleGet({ role: stringOf(m, 'role') }, callAs(meta));
        return { header: h.full(r.header), perm: r.perm.map(permissionOut) };
      },
      RoleList: async (client, _m, meta) => {
        const r = await client.roleList(callAs(meta));
        return { header: h.full(r.header), roles: r.roles };
      },
      RoleDelete: async (client, m, meta) =>
        headerOnly(await client.roleDelete({ role: stringOf(m, 'role') }, callAs(meta))),
      RoleGrantPermission: async (client, m, meta) =>
        headerOnly(await client.roleGrantPermission(grantPermissionIn(m), callAs(meta))),
      RoleRevokePermission: async (client, m, meta) =>
        headerOnly(await client.roleRevokePermission(revokePermissionIn(m), callAs(meta))),
    },
  };
}
