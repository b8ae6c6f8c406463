/**
 * Auth: tokens (etcd-server-reference §1.2) — the sliding TTL, what kills a token and what does not, a
 * client renewing its own, and auth switched off and on. Runs on targets with auth on; the last case
 * turns auth off and back on for the whole server, and leaves it as it found it.
 */

import {
  AuthFailedError,
  AuthNotEnabledError,
  InvalidAuthTokenError,
  PermissionDeniedError,
  RootRoleNotExistError,
  RootUserNotExistError,
  UserEmptyError,
} from '../../../interface/index.js';
import { defineCases } from '../../../testing/conformance.js';
import {
  authOf,
  clientAs,
  expectWatchRefused,
  makeRole,
  makeUser,
  WATCH_BAD_TOKEN,
} from '../auth-helpers.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { expectRejects } from '../helpers.js';

const BAD_TOKEN = { message: 'etcdserver: invalid auth token', grpcCode: 16, code: 'ErrInvalidAuthToken' };

export default defineCases('auth tokens', [
  {
    name: 'a token dies after going unused for its TTL (each use restarts it); a client with a password renews it',
    timeoutMs: 20_000,
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const role = await makeRole(ctx, 'r', [{ permType: 'READWRITE', key: k('a') }]);
      const user = await makeUser(ctx, 'u', [role]);
      const { token } = await auth.root.authenticate({ name: user.name, password: user.password });
      const fixed = await auth.connect({ token });
      const renewing = await clientAs(ctx, user);
      await fixed.put({ key: k('a'), value: '1' });
      await renewing.put({ key: k('a'), value: '2' });
      const ttlMs = auth.tokenTtl * 1000;
      await ctx.advanceTime(ttlMs * 0.75);
      await fixed.range({ key: k('a') }); // used in time: its TTL starts again
      await ctx.advanceTime(ttlMs * 0.75);
      await fixed.range({ key: k('a') });
      // Idle past the TTL and the next sweep (one per second).
      await ctx.advanceTime(ttlMs + 2_000);
      await expectRejects(fixed.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
      // The renewing client's token died too: it fetches another, and its refused put is sent once more.
      await renewing.put({ key: k('a'), value: '3' });
      const kv = (await auth.root.range({ key: k('a') })).kvs[0]!;
      expect(kv.version).toBe(3);
    },
  },
  {
    name: "a password change or a deletion kills the user's tokens at once; a role or permission revoked does not",
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const role = await makeRole(ctx, 'r', [{ permType: 'READWRITE', key: k('a') }]);
      const user = await makeUser(ctx, 'u', [role]);
      const withToken = async () =>
        auth.connect({
          token: (await auth.root.authenticate({ name: user.name, password: user.password })).token,
        });
      // Revocations leave the token alive: the next request is only denied.
      const kept = await withToken();
      await kept.put({ key: k('a'), value: '1' });
      await auth.root.roleRevokePermission({ role, key: k('a') });
      await expectRejects(kept.put({ key: k('a'), value: '2' }), PermissionDeniedError);
      await auth.root.roleGrantPermission({ name: role, perm: { permType: 'READWRITE', key: k('a') } });
      await kept.put({ key: k('a'), value: '2' });
      await auth.root.userRevokeRole({ name: user.name, role });
      await expectRejects(kept.range({ key: k('a') }), PermissionDeniedError);
      await auth.root.userGrantRole({ user: user.name, role });
      await kept.range({ key: k('a') });
      // A password change kills every token of the user; the old password no longer authenticates.
      const renewing = await clientAs(ctx, user);
      await renewing.range({ key: k('a') });
      await auth.root.userChangePassword({ name: user.name, password: 'new-password' });
      await expectRejects(kept.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
      await expectRejects(renewing.range({ key: k('a') }), AuthFailedError);
      const changed = await auth.connect({ username: user.name, password: 'new-password' });
      await changed.range({ key: k('a') });
      // A deletion too; adding the user again does not bring its tokens back.
      const { token } = await auth.root.authenticate({ name: user.name, password: 'new-password' });
      const doomed = await auth.connect({ token });
      await doomed.range({ key: k('a') });
      await auth.root.userDelete({ name: user.name });
      await expectRejects(doomed.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
      await expectRejects(changed.range({ key: k('a') }), AuthFailedError);
      await auth.root.userAdd({ name: user.name, password: 'new-password' });
      await auth.root.userGrantRole({ user: user.name, role });
      await expectRejects(doomed.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
    },
  },
  {
    name: "an unknown token is refused: InvalidAuthTokenError, and as a watch create's cancel reason; Authenticate goes without it",
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const garbage = await auth.connect({ token: 'garbage' });
      await expectRejects(garbage.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
      await expectRejects(garbage.put({ key: k('a'), value: 'v' }), InvalidAuthTokenError, BAD_TOKEN);
      await expectRejects(garbage.userList(), InvalidAuthTokenError, BAD_TOKEN);
      await expectRejects(garbage.compact({ revision: 1 }), InvalidAuthTokenError, BAD_TOKEN);
      await expectWatchRefused(garbage, { key: k('a') }, WATCH_BAD_TOKEN);
      // Authenticate goes without the client's token, so it works from any client.
      const user = await makeUser(ctx, 'u', []);
      const { token } = await garbage.authenticate({ name: user.name, password: user.password });
      expect(token.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'auth off and on: AuthDisable kills every token; AuthEnable needs root with the role root',
    timeoutMs: 20_000,
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const root = auth.root;
      const rootCredentials = { username: 'root', password: auth.rootPassword };
      const nobody = await auth.connect();
      const { token } = await root.authenticate({ name: 'root', password: auth.rootPassword });
      const oldToken = await auth.connect({ token });
      await oldToken.range({ key: k('a') });
      await root.authDisable();
      try {
        await root.authDisable(); // already off: a no-op
        await nobody.put({ key: k('a'), value: 'while off' });
        await root.put({ key: k('a'), value: 'root, while off' }); // sends no token while auth is off
        await expectRejects(
          root.authenticate({ name: 'root', password: auth.rootPassword }),
          AuthNotEnabledError,
          {
            message: 'etcdserver: authentication is not enabled',
            grpcCode: 9,
          },
        );
        // A token sent while auth is off: refused by older releases, ignored by later ones.
        if (differs('tokenRefusedWhileAuthOff', ctx)) {
          await expectRejects(oldToken.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
        } else {
          await oldToken.range({ key: k('a') });
        }
        // AuthEnable refuses without the user root, or without its role root.
        await nobody.userRevokeRole({ name: 'root', role: 'root' });
        await expectRejects(nobody.authEnable(), RootRoleNotExistError, {
          message: 'etcdserver: root user does not have root role',
          grpcCode: 9,
        });
        await nobody.userDelete({ name: 'root' });
        await expectRejects(nobody.authEnable(), RootUserNotExistError, {
          message: 'etcdserver: root user does not exist',
          grpcCode: 9,
        });
      } finally {
        // Leave the server as the harness made it: root with the role root, auth on.
        await nobody.userAdd({ name: 'root', password: auth.rootPassword }).catch(() => undefined);
        await nobody.userGrantRole({ user: 'root', role: 'root' }).catch(() => undefined);
        await nobody.authEnable();
      }
      await root.authEnable(); // already on: a no-op for root
      await expectRejects(nobody.put({ key: k('a'), value: 'v' }), UserEmptyError);
      // The token from before AuthDisable died with it.
      await expectRejects(oldToken.range({ key: k('a') }), InvalidAuthTokenError, BAD_TOKEN);
      const again = await auth.connect(rootCredentials);
      await again.put({ key: k('a'), value: 'back on' });
    },
  },
]);
