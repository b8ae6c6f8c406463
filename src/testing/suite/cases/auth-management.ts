/**
 * Auth: the user and role RPCs, their errors, the rules of root, passwords and the auth revision
 * (etcd-server-reference §1.1). Runs on targets with auth on; names are under the case's prefix, so the
 * lists are read through that prefix.
 */

import { ZERO_KEY } from '../../../common/bytes.js';
import {
  AuthFailedError,
  InvalidAuthMgmtError,
  NoPasswordUserError,
  PasswordTooLongError,
  PermissionDeniedError,
  PermissionNotGrantedError,
  RoleAlreadyExistError,
  RoleEmptyError,
  RoleNotFoundError,
  RoleNotGrantedError,
  UnknownServerError,
  UserAlreadyExistError,
  UserEmptyError,
  UserNotFoundError,
} from '../../../interface/index.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { authOf, clientAs, makeRole, makeUser } from '../auth-helpers.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { expectRejects } from '../helpers.js';

const DENIED = { message: 'etcdserver: permission denied', grpcCode: 7 };

/** The names in `names` under the case's prefix. */
function ours(ctx: CaseContext, names: readonly string[]): string[] {
  return names.filter((n) => n.startsWith(ctx.prefix));
}

/** Bytes as text, for comparing permissions. */
function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1');
}

export default defineCases('auth management', [
  {
    name: 'users: add, list sorted, get (admins, or oneself), change password (admins only), delete; and their errors',
    async run(ctx) {
      const { k } = ctx;
      const { root } = authOf(ctx);
      const role = await makeRole(ctx, 'r', []);
      const bob = await makeUser(ctx, 'bob', [role]);
      await makeUser(ctx, 'al', []);
      expect(ours(ctx, (await root.userList()).users)).toEqual([k('al'), k('bob')]);
      expect((await root.userGet({ name: k('bob') })).roles).toEqual([role]);
      const asBob = await clientAs(ctx, bob);
      expect((await asBob.userGet({ name: k('bob') })).roles).toEqual([role]);
      // Anyone else, even a name that does not exist, is denied to a non-admin.
      await expectRejects(asBob.userGet({ name: k('al') }), PermissionDeniedError, DENIED);
      await expectRejects(asBob.userGet({ name: k('nobody') }), PermissionDeniedError, DENIED);
      await expectRejects(asBob.userList(), PermissionDeniedError, DENIED);
      await expectRejects(
        asBob.userChangePassword({ name: k('bob'), password: 'x' }),
        PermissionDeniedError,
        DENIED,
      );
      await expectRejects(asBob.userAdd({ name: k('eve'), password: 'x' }), PermissionDeniedError, DENIED);
      // Errors, with etcd's codes.
      await expectRejects(root.userAdd({ name: '', password: 'x' }), UserEmptyError, {
        message: 'etcdserver: user name is empty',
        grpcCode: 3,
      });
      await expectRejects(root.userAdd({ name: k('bob'), password: 'x' }), UserAlreadyExistError, {
        message: 'etcdserver: user name already exists',
        grpcCode: 9,
      });
      const notFound = { message: 'etcdserver: user name not found', grpcCode: 9 };
      await expectRejects(root.userGet({ name: k('nobody') }), UserNotFoundError, notFound);
      await expectRejects(root.userDelete({ name: k('nobody') }), UserNotFoundError, notFound);
      await expectRejects(
        root.userChangePassword({ name: k('nobody'), password: 'x' }),
        UserNotFoundError,
        notFound,
      );
      await expectRejects(root.userGrantRole({ user: k('nobody'), role }), UserNotFoundError, notFound);
      await expectRejects(root.userRevokeRole({ name: k('nobody'), role }), UserNotFoundError, notFound);
      await root.userDelete({ name: k('al') });
      expect(ours(ctx, (await root.userList()).users)).toEqual([k('bob')]);
    },
  },
  {
    name: 'roles: add, get (admins, or holders), list, grants and revokes of roles and permissions; and their errors',
    async run(ctx) {
      const { k } = ctx;
      const { root } = authOf(ctx);
      const role = await makeRole(ctx, 'r', [
        { permType: 'WRITE', key: k('c') },
        { permType: 'READ', key: k('a'), rangeEnd: k('b') },
      ]);
      const other = await makeRole(ctx, 'other', []);
      // Granting the same (key, range end) again replaces its type; permissions come sorted by key.
      await root.roleGrantPermission({ name: role, perm: { permType: 'READWRITE', key: k('c') } });
      const perms = (await root.roleGet({ role })).perm.map((p) => [
        p.permType,
        text(p.key),
        text(p.rangeEnd),
      ]);
      expect(perms).toEqual([
        ['READ', k('a'), k('b')],
        ['READWRITE', k('c'), ''],
      ]);
      // Only the first permission with the key is looked at: its range end differs here, so the grant is
      // added beside the one with the same range end, instead of replacing it (found by the auth property
      // test on etcd 3.4.23; the same code stands in 3.5 and 3.6).
      const pfx = await makeRole(ctx, 'pfx', [
        { permType: 'WRITE', key: k('d') },
        { permType: 'READ', key: k('d'), rangeEnd: k('e') },
      ]);
      await root.roleGrantPermission({
        name: pfx,
        perm: { permType: 'WRITE', key: k('d'), rangeEnd: k('e') },
      });
      const pfxPerms = (await root.roleGet({ role: pfx })).perm.map((p) => [
        p.permType,
        text(p.key),
        text(p.rangeEnd),
      ]);
      expect(pfxPerms).toEqual([
        ['WRITE', k('d'), ''],
        ['READ', k('d'), k('e')],
        ['WRITE', k('d'), k('e')],
      ]);
      const readerUser = await makeUser(ctx, 'reader', [pfx]);
      const reader = await clientAs(ctx, readerUser);
      expect((await reader.range({ key: k('d') })).kvs).toEqual([]);
      await root.userDelete({ name: readerUser.name });
      await root.roleDelete({ role: pfx });
      expect(ours(ctx, (await root.roleList()).roles)).toEqual([k('other'), k('r')]);
      const user = await makeUser(ctx, 'u', [role, other]);
      expect((await root.userGet({ name: user.name })).roles).toEqual([other, role]);
      // Granting a held role again changes nothing.
      await root.userGrantRole({ user: user.name, role });
      expect((await root.userGet({ name: user.name })).roles).toEqual([other, role]);
      const asUser = await clientAs(ctx, user);
      expect((await asUser.roleGet({ role })).perm).toHaveLength(2);
      await expectRejects(asUser.roleGet({ role: k('nope') }), PermissionDeniedError, DENIED);
      await expectRejects(asUser.roleList(), PermissionDeniedError, DENIED);
      // Revoking a permission needs its exact (key, range end).
      await expectRejects(root.roleRevokePermission({ role, key: k('a') }), PermissionNotGrantedError, {
        message: 'etcdserver: permission is not granted to the role',
        grpcCode: 9,
      });
      await root.roleRevokePermission({ role, key: k('a'), rangeEnd: k('b') });
      expect((await root.roleGet({ role })).perm).toHaveLength(1);
      await expectRejects(root.userRevokeRole({ name: user.name, role: k('nope') }), RoleNotGrantedError, {
        message: 'etcdserver: role is not granted to the user',
        grpcCode: 9,
      });
      // Deleting a role takes it from every user.
      await root.roleDelete({ role: other });
      expect((await root.userGet({ name: user.name })).roles).toEqual([role]);
      await root.userRevokeRole({ name: user.name, role });
      expect((await root.userGet({ name: user.name })).roles).toEqual([]);
      // Errors, with etcd's codes.
      await expectRejects(root.roleAdd({ name: '' }), RoleEmptyError, {
        message: 'etcdserver: role name is empty',
        grpcCode: 3,
      });
      await expectRejects(root.roleAdd({ name: role }), RoleAlreadyExistError, {
        message: 'etcdserver: role name already exists',
        grpcCode: 9,
      });
      const notFound = { message: 'etcdserver: role name not found', grpcCode: 9 };
      await expectRejects(root.roleGet({ role: other }), RoleNotFoundError, notFound);
      await expectRejects(root.roleDelete({ role: other }), RoleNotFoundError, notFound);
      await expectRejects(root.userGrantRole({ user: user.name, role: other }), RoleNotFoundError, notFound);
      await expectRejects(
        root.roleGrantPermission({ name: other, perm: { permType: 'READ', key: k('a') } }),
        RoleNotFoundError,
        notFound,
      );
      await expectRejects(
        root.roleRevokePermission({ role: other, key: k('a') }),
        RoleNotFoundError,
        notFound,
      );
    },
  },
  {
    name: 'root: its user and role cannot be deleted nor parted while auth is on; the role root is granted without existing',
    async run(ctx) {
      const { k } = ctx;
      const { root } = authOf(ctx);
      const mgmt = { message: 'etcdserver: invalid auth management', grpcCode: 3 };
      await expectRejects(root.userDelete({ name: 'root' }), InvalidAuthMgmtError, mgmt);
      await expectRejects(root.roleDelete({ role: 'root' }), InvalidAuthMgmtError, mgmt);
      await expectRejects(root.userRevokeRole({ name: 'root', role: 'root' }), InvalidAuthMgmtError, mgmt);
      expect((await root.userGet({ name: 'root' })).roles).toEqual(['root']);
      const user = await makeUser(ctx, 'u', ['root']);
      expect((await root.userGet({ name: user.name })).roles).toEqual(['root']);
      // Permissions granted to the role root change nothing; what RoleGet shows depends on the release.
      await root.roleGrantPermission({ name: 'root', perm: { permType: 'READ', key: k('x') } });
      const perms = (await root.roleGet({ role: 'root' })).perm.map((p) =>
        [p.permType, text(p.key), text(p.rangeEnd)].join(' '),
      );
      if (differs('rootRoleGetStored', ctx)) expect(perms).toContain(`READ ${k('x')} `);
      else expect(perms).toEqual(['READWRITE  \0']);
      await root.roleRevokePermission({ role: 'root', key: k('x') });
    },
  },
  {
    name: 'permission ranges: an empty key or a backwards range, by release',
    async run(ctx) {
      const { k } = ctx;
      const { root } = authOf(ctx);
      const role = await makeRole(ctx, 'r', []);
      const grants = [
        { permType: 'READ' as const, key: k('b'), rangeEnd: k('a') },
        { permType: 'READ' as const, key: '', rangeEnd: ZERO_KEY },
      ];
      for (const perm of grants) {
        if (differs('permissionRangeUnchecked', ctx)) await root.roleGrantPermission({ name: role, perm });
        else {
          await expectRejects(root.roleGrantPermission({ name: role, perm }), InvalidAuthMgmtError, {
            message: 'etcdserver: invalid auth management',
            grpcCode: 3,
          });
        }
      }
      const stored = (await root.roleGet({ role })).perm.length;
      expect(stored).toBe(differs('permissionRangeUnchecked', ctx) ? 2 : 0);
      // A from-key permission ("\0") and a single key are valid everywhere.
      await root.roleGrantPermission({
        name: role,
        perm: { permType: 'READ', key: k('c'), rangeEnd: ZERO_KEY },
      });
      await root.roleGrantPermission({ name: role, perm: { permType: 'WRITE', key: k('d') } });
    },
  },
  {
    name: 'passwords: an empty one works, a no-password user cannot authenticate, over 72 bytes by release',
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const root = auth.root;
      await root.userAdd({ name: k('empty'), password: '' });
      expect((await root.authenticate({ name: k('empty'), password: '' })).token.length).toBeGreaterThan(0);
      await expectRejects(root.authenticate({ name: k('empty'), password: 'x' }), AuthFailedError);
      await root.userAdd({ name: k('nopw'), password: 'ignored', noPassword: true });
      await expectRejects(root.authenticate({ name: k('nopw'), password: 'ignored' }), NoPasswordUserError, {
        message: 'auth: authentication failed, password was given for no password user',
        grpcCode: 2,
      });
      const long = 'p'.repeat(73);
      if (differs('longPasswordsAccepted', ctx)) {
        await root.userAdd({ name: k('long'), password: long });
        expect((await root.authenticate({ name: k('long'), password: long })).token.length).toBeGreaterThan(
          0,
        );
        await root.userChangePassword({ name: k('long'), password: `${long}q` });
      } else {
        await expectRejects(root.userAdd({ name: k('long'), password: long }), PasswordTooLongError, {
          message: 'bcrypt: password length exceeds 72 bytes',
          grpcCode: 2,
        });
        await root.userAdd({ name: k('long'), password: 'p'.repeat(72) });
        await expectRejects(
          root.userChangePassword({ name: k('long'), password: long }),
          PasswordTooLongError,
        );
      }
    },
  },
  {
    name: "authenticate: a wrong password, an unknown or empty name all fail alike; a simple token looks like etcd's",
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const user = await makeUser(ctx, 'u', []);
      const failed = {
        message: 'etcdserver: authentication failed, invalid user ID or password',
        grpcCode: 3,
        code: 'ErrAuthFailed',
      };
      await expectRejects(
        auth.root.authenticate({ name: user.name, password: 'wrong' }),
        AuthFailedError,
        failed,
      );
      await expectRejects(
        auth.root.authenticate({ name: k('nobody'), password: 'x' }),
        AuthFailedError,
        failed,
      );
      await expectRejects(auth.root.authenticate({ name: '', password: '' }), AuthFailedError, failed);
      const { token } = await auth.root.authenticate({ name: user.name, password: user.password });
      expect(token).toMatch(/^[A-Za-z]{16}\.\d+$/);
      // A wrong password through a client's credentials fails its first call the same way.
      const wrong = await auth.connect({ username: user.name, password: 'wrong' });
      await expectRejects(wrong.range({ key: k('a') }), AuthFailedError, failed);
    },
  },
  {
    name: 'the auth revision: one more for each change, not for a no-op (AuthStatus, from 3.5)',
    async run(ctx) {
      const { k } = ctx;
      const { root } = authOf(ctx);
      if (differs('authStatusUnimplemented', ctx)) {
        await expectRejects(root.authStatus(), UnknownServerError, {
          message: 'unknown method AuthStatus for service etcdserverpb.Auth',
          grpcCode: 12,
        });
        return;
      }
      const before = await root.authStatus();
      expect(before.enabled).toBe(true);
      await root.roleAdd({ name: k('r') });
      await root.roleGrantPermission({ name: k('r'), perm: { permType: 'READ', key: k('a') } });
      await root.userAdd({ name: k('u'), password: 'p' });
      await root.userGrantRole({ user: k('u'), role: k('r') });
      await root.userGrantRole({ user: k('u'), role: k('r') }); // already held: no change
      await expectRejects(root.roleAdd({ name: k('r') }), RoleAlreadyExistError); // failed: no change
      await root.authenticate({ name: k('u'), password: 'p' }); // not a change
      const after = await root.authStatus();
      expect(after.authRevision - before.authRevision).toBe(4);
    },
  },
]);
