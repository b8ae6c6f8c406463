/**
 * Auth: what a user's roles allow, request by request (etcd-server-reference §1.4, §1.5). Runs on targets
 * with auth on (the case's backend is root). Where an old real etcd has a security hole, the case sends
 * nothing that would exploit it there (see the list of differences) and asserts the fixed rule elsewhere.
 */

import { ZERO_KEY } from '../../../common/bytes.js';
import {
  EmptyKeyError,
  LeaseNotFoundError,
  PermissionDeniedError,
  UserEmptyError,
} from '../../../interface/index.js';
import type { WatchResponse } from '../../../interface/watch.js';
import { defineCases } from '../../../testing/conformance.js';
import {
  authOf,
  clientAs,
  expectWatchCreated,
  expectWatchRefused,
  makeRole,
  makeUser,
  WATCH_DENIED,
  WATCH_NO_USER,
} from '../auth-helpers.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { expectRejects, Recorder, valuesOf } from '../helpers.js';

const DENIED = { message: 'etcdserver: permission denied', grpcCode: 7, code: 'ErrPermissionDenied' };
const NO_USER = { message: 'etcdserver: user name is empty', grpcCode: 3, code: 'ErrUserEmpty' };

export default defineCases('auth permissions', [
  {
    name: 'key, prefix and from-key permissions; read versus write; a range needs the union of intervals to cover it',
    async run(ctx) {
      const { k } = ctx;
      // The reference's role: READ [a,b), WRITE w1, READWRITE [z,"\0"); and READ [m,n) + READ [n,o).
      const role = await makeRole(ctx, 'r', [
        { permType: 'READ', key: k('a'), rangeEnd: k('b') },
        { permType: 'WRITE', key: k('w1') },
        { permType: 'READWRITE', key: k('z'), rangeEnd: ZERO_KEY },
      ]);
      const split = await makeRole(ctx, 'split', [
        { permType: 'READ', key: k('m'), rangeEnd: k('n') },
        { permType: 'READ', key: k('n'), rangeEnd: k('o') },
      ]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role, split]));
      const allowed = [
        () => u.range({ key: k('a1') }),
        () => u.range({ key: k('a') }),
        () => u.range({ key: k('a'), rangeEnd: k('b') }),
        () => u.range({ key: k('a1'), rangeEnd: k('a2') }),
        () => u.range({ key: k('a1'), countOnly: true }),
        () => u.range({ key: k('a1'), serializable: true }),
        () => u.put({ key: k('w1'), value: 'v' }),
        () => u.deleteRange({ key: k('w1') }),
        () => u.range({ key: k('zz') }),
        () => u.range({ key: k('z'), rangeEnd: ZERO_KEY }),
        () => u.range({ key: k('zz'), rangeEnd: ZERO_KEY }),
        () => u.put({ key: k('zzz'), value: 'v' }),
        () => u.deleteRange({ key: k('z'), rangeEnd: ZERO_KEY }),
        () => u.range({ key: k('m'), rangeEnd: k('o') }),
        () => u.range({ key: k('m1'), rangeEnd: k('n1') }),
      ];
      for (const call of allowed) await call();
      const denied = [
        () => u.range({ key: k('b') }),
        () => u.range({ key: k('a'), rangeEnd: k('c') }),
        () => u.range({ key: k('a'), rangeEnd: ZERO_KEY }),
        () => u.range({ key: ZERO_KEY, rangeEnd: ZERO_KEY }),
        () => u.range({ key: k('w1') }),
        () => u.put({ key: k('w1'), value: 'v', prevKv: true }),
        () => u.deleteRange({ key: k('w1'), prevKv: true }),
        () => u.put({ key: k('a1'), value: 'v' }),
        () => u.deleteRange({ key: k('a1') }),
        () => u.range({ key: k('m'), rangeEnd: k('p') }),
        () => u.range({ key: k('b'), revision: 1_000_000 }), // denied before "future revision"
      ];
      for (const call of denied) await expectRejects(call(), PermissionDeniedError, DENIED);
      // Checks come after the request's own validation.
      await expectRejects(u.range({ key: '' }), EmptyKeyError);
    },
  },
  {
    name: 'no credentials: "user name is empty" on KV and auth calls and on watch creates; a user with no roles is denied',
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const nobody = await auth.connect();
      await expectRejects(nobody.range({ key: k('a') }), UserEmptyError, NO_USER);
      await expectRejects(nobody.put({ key: k('a'), value: 'v' }), UserEmptyError, NO_USER);
      await expectRejects(nobody.deleteRange({ key: k('a') }), UserEmptyError, NO_USER);
      await expectRejects(
        nobody.txn({ success: [{ requestRange: { key: k('a') } }] }),
        UserEmptyError,
        NO_USER,
      );
      // A txn is checked op by op: one with nothing in it needs no user.
      expect((await nobody.txn({})).succeeded).toBe(true);
      await expectRejects(nobody.userList(), UserEmptyError, NO_USER);
      await expectWatchRefused(nobody, { key: k('a') }, WATCH_NO_USER);
      // Compact checks only the token, on every release.
      const { header } = await auth.root.put({ key: k('c'), value: 'v' });
      await nobody.compact({ revision: header.revision - 1 });
      if (!differs('opsWithoutAuth', ctx)) {
        await expectRejects(nobody.status(), UserEmptyError, NO_USER);
        await expectRejects(nobody.leaseGrant({ ttl: 10 }), UserEmptyError, NO_USER);
        await expectRejects(nobody.leaseLeases(), UserEmptyError, NO_USER);
      }
      const lonely = await clientAs(ctx, await makeUser(ctx, 'lonely', []));
      await expectRejects(lonely.range({ key: k('a') }), PermissionDeniedError, DENIED);
      await expectRejects(lonely.put({ key: k('a'), value: 'v' }), PermissionDeniedError, DENIED);
      await expectWatchRefused(lonely, { key: k('a') }, WATCH_DENIED);
      expect((await lonely.userGet({ name: k('lonely') })).roles).toEqual([]);
    },
  },
  {
    name: 'txn: every compare and the ops of both branches are checked, the branch not taken too',
    async run(ctx) {
      const { k } = ctx;
      const role = await makeRole(ctx, 'r', [
        { permType: 'READ', key: k('a'), rangeEnd: k('b') },
        { permType: 'WRITE', key: k('w1') },
      ]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role]));
      const ok = await u.txn({
        compare: [{ key: k('a1'), target: 'VERSION', result: 'EQUAL', version: 0 }],
        success: [{ requestPut: { key: k('w1'), value: 'v1' } }],
        failure: [{ requestRange: { key: k('a2') } }],
      });
      expect(ok.succeeded).toBe(true);
      await expectRejects(
        u.txn({ compare: [{ key: k('b'), target: 'VERSION', result: 'EQUAL', version: 0 }] }),
        PermissionDeniedError,
        DENIED,
      );
      // The failure branch would not run, and is still checked.
      await expectRejects(
        u.txn({
          success: [{ requestRange: { key: k('a1') } }],
          failure: [{ requestPut: { key: k('a1'), value: 'v' } }],
        }),
        PermissionDeniedError,
        DENIED,
      );
      await expectRejects(
        u.txn({ success: [{ requestDeleteRange: { key: k('w1'), prevKv: true } }] }),
        PermissionDeniedError,
        DENIED,
      );
      const root = authOf(ctx).root;
      expect(valuesOf((await root.range({ key: k('w1') })).kvs)).toEqual(['v1']);
    },
  },
  {
    name: "nested txn ops and a txn put's prev_kv and lease are checked as top-level ones",
    async run(ctx) {
      const { k } = ctx;
      const root = authOf(ctx).root;
      const role = await makeRole(ctx, 'r', [{ permType: 'WRITE', key: k('w1') }]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role]));
      await root.put({ key: k('w1'), value: 'old' });
      const lease = await root.leaseGrant({ ttl: 60 });
      await root.put({ key: k('secret'), value: 's', lease: lease.id });
      if (!differs('nestedTxnUnchecked', ctx)) {
        const nested = [
          { requestPut: { key: k('a1'), value: 'v' } },
          { requestRange: { key: k('secret') } },
          { requestDeleteRange: { key: k('secret') } },
        ];
        for (const op of nested) {
          await expectRejects(
            u.txn({
              success: [{ requestPut: { key: k('w1'), value: 'v' } }, { requestTxn: { success: [op] } }],
            }),
            PermissionDeniedError,
            DENIED,
          );
        }
      }
      if (!differs('txnPutUnchecked', ctx)) {
        await expectRejects(
          u.txn({ success: [{ requestPut: { key: k('w1'), value: 'v', prevKv: true } }] }),
          PermissionDeniedError,
          DENIED,
        );
        await expectRejects(
          u.txn({ success: [{ requestPut: { key: k('w1'), value: 'v', lease: lease.id } }] }),
          PermissionDeniedError,
          DENIED,
        );
      }
      // Nothing was written by the refused txns, and the secret is still there.
      expect(valuesOf((await root.range({ key: k('w1') })).kvs)).toEqual(['old']);
      expect(valuesOf((await root.range({ key: k('secret') })).kvs)).toEqual(['s']);
    },
  },
  {
    name: 'leases: a put may not join, and a revoke needs WRITE on, keys the user cannot write; time-to-live keys need READ',
    async run(ctx) {
      const { k } = ctx;
      const root = authOf(ctx).root;
      const role = await makeRole(ctx, 'r', [{ permType: 'READWRITE', key: k('w1') }]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role]));
      const lease = await root.leaseGrant({ ttl: 60 });
      await root.put({ key: k('secret'), value: 's', lease: lease.id });
      await expectRejects(
        u.put({ key: k('w1'), value: 'v', lease: lease.id }),
        PermissionDeniedError,
        DENIED,
      );
      await expectRejects(u.put({ key: k('w1'), value: 'v', lease: 123_456_789n }), LeaseNotFoundError);
      await expectRejects(u.leaseRevoke({ id: lease.id }), PermissionDeniedError, DENIED);
      await expectRejects(u.leaseRevoke({ id: 123_456_789n }), LeaseNotFoundError);
      if (!differs('timeToLiveKeysUnchecked', ctx)) {
        await expectRejects(u.leaseTimeToLive({ id: lease.id, keys: true }), PermissionDeniedError, DENIED);
      }
      expect((await u.leaseTimeToLive({ id: lease.id })).grantedTtl).toBe(60);
      if (!differs('opsWithoutAuth', ctx)) {
        // Renewing a lease needs WRITE on its keys; listing leases needs READ on every key of every one.
        await expectRejects(u.leaseKeepAlive({ id: lease.id }), PermissionDeniedError, DENIED);
        await expectRejects(u.leaseLeases(), PermissionDeniedError, DENIED);
      }
      // The user's own lease and keys are the user's to revoke.
      const own = await u.leaseGrant({ ttl: 60 });
      await u.put({ key: k('w1'), value: 'v', lease: own.id });
      expect((await u.leaseTimeToLive({ id: own.id, keys: true })).keys.length).toBe(1);
      await u.leaseRevoke({ id: own.id });
      // root skips the key checks.
      expect((await root.leaseTimeToLive({ id: lease.id, keys: true })).keys.length).toBe(1);
      await root.leaseRevoke({ id: lease.id });
      expect((await root.range({ key: k('secret') })).count).toBe(0);
    },
  },
  {
    name: 'watch: checked at creation on its whole interval; a from-key watch over one readable key is refused',
    async run(ctx) {
      const { k } = ctx;
      const role = await makeRole(ctx, 'r', [
        { permType: 'READ', key: k('a'), rangeEnd: k('b') },
        { permType: 'READ', key: k('p') },
      ]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role]));
      await expectWatchCreated(u, { key: k('a'), rangeEnd: k('b') });
      await expectWatchCreated(u, { key: k('p') });
      await expectWatchRefused(u, { key: k('b') }, WATCH_DENIED);
      await expectWatchRefused(u, { key: k('a'), rangeEnd: k('c') }, WATCH_DENIED);
      if (!differs('fromKeyWatchUnchecked', ctx)) {
        await expectWatchRefused(u, { key: k('p'), rangeEnd: ZERO_KEY }, WATCH_DENIED);
      }
    },
  },
  {
    name: 'a watcher outlives the revocation of its permission; new creates on its stream are refused',
    async run(ctx) {
      const { k } = ctx;
      const root = authOf(ctx).root;
      const role = await makeRole(ctx, 'r', [{ permType: 'READ', key: k('a'), rangeEnd: k('b') }]);
      const u = await clientAs(ctx, await makeUser(ctx, 'u', [role]));
      const stream = u.watchStream();
      const recorder = new Recorder<WatchResponse>(stream);
      try {
        stream.create({ key: k('a'), rangeEnd: k('b') });
        expect(await recorder.next()).toMatchObject({ created: true, canceled: false });
        await root.roleRevokePermission({ role, key: k('a'), rangeEnd: k('b') });
        await root.put({ key: k('a1'), value: 'after' });
        const event = await recorder.next();
        expect(event.events.map((e) => e.type)).toEqual(['PUT']);
        await expectRejects(u.range({ key: k('a1') }), PermissionDeniedError, DENIED);
        stream.create({ key: k('a'), rangeEnd: k('b') });
        expect(await recorder.next()).toMatchObject({
          watchId: -1,
          created: true,
          canceled: true,
          cancelReason: WATCH_DENIED,
        });
      } finally {
        stream.close();
      }
    },
  },
  {
    name: 'root skips every key check; a user granted the role root administers',
    async run(ctx) {
      const { k } = ctx;
      const auth = authOf(ctx);
      const admin = await clientAs(ctx, await makeUser(ctx, 'admin', ['root']));
      await admin.put({ key: k('anything'), value: 'v' });
      expect(
        (await admin.range({ key: ZERO_KEY, rangeEnd: ZERO_KEY, countOnly: true })).count,
      ).toBeGreaterThan(0);
      expect((await admin.userList()).users).toContain(k('admin'));
      await expectWatchCreated(admin, { key: ZERO_KEY, rangeEnd: ZERO_KEY });
      await auth.root.userRevokeRole({ name: k('admin'), role: 'root' });
      await expectRejects(admin.userList(), PermissionDeniedError, DENIED);
      await expectRejects(admin.put({ key: k('anything'), value: 'v' }), PermissionDeniedError, DENIED);
    },
  },
]);
