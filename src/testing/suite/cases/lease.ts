/** Leases without waiting: grant, revoke, keepalive, timeToLive, the lease list. */

import { prefixRange, toText } from '../../../common/bytes.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError } from '../../../interface/errors.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects, keysOf } from '../helpers.js';
import { unusedLeaseId } from './put.js';

const NOT_FOUND = 'etcdserver: requested lease not found';

export default defineCases('lease', [
  {
    name: 'grant raises a TTL below the minimum, keeps larger ones, and does not change the revision',
    async run({ backend, minLeaseTtl }) {
      const r0 = await currentRevision(backend);
      const zero = await backend.leaseGrant({ ttl: 0 });
      expect(zero.ttl).toBe(minLeaseTtl);
      expect(zero.id).not.toBe(0n);
      const negative = await backend.leaseGrant({ ttl: -5 });
      expect(negative.ttl).toBe(minLeaseTtl);
      const below = await backend.leaseGrant({ ttl: minLeaseTtl - 1 });
      expect(below.ttl).toBe(minLeaseTtl);
      const exact = await backend.leaseGrant({ ttl: minLeaseTtl });
      expect(exact.ttl).toBe(minLeaseTtl);
      const large = await backend.leaseGrant({ ttl: 3600 });
      expect(large.ttl).toBe(3600);
      expect(large.header.revision).toBe(r0);
      const auto = await backend.leaseGrant({ ttl: 60, id: 0n }); // ID 0 means "choose one"
      expect(auto.id).not.toBe(0n);
      const ids = [zero, negative, below, exact, large, auto].map((g) => g.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id > 0n).toBe(true);
      expect(await currentRevision(backend)).toBe(r0);
      for (const id of ids) await backend.leaseRevoke({ id });
    },
  },
  {
    name: 'a TTL above 9,000,000,000 s is too large; 9,000,000,000 is accepted',
    async run({ backend }) {
      await expectRejects(backend.leaseGrant({ ttl: 9_000_000_001 }), LeaseTtlTooLargeError, {
        message: 'etcdserver: too large lease TTL',
        code: 'ErrLeaseTTLTooLarge',
        grpcCode: 11,
      });
      const max = await backend.leaseGrant({ ttl: 9_000_000_000 });
      expect(max.ttl).toBe(9_000_000_000);
      await backend.leaseRevoke({ id: max.id });
    },
  },
  {
    name: 'an explicit ID is used; a duplicate fails with LeaseExistsError; a revoked ID can be granted again',
    async run({ backend, k }) {
      const id = unusedLeaseId();
      const granted = await backend.leaseGrant({ ttl: 60, id });
      expect(granted.id).toBe(id);
      await expectRejects(backend.leaseGrant({ ttl: 60, id }), LeaseExistsError, {
        message: 'etcdserver: lease already exists',
        code: 'ErrLeaseExist',
        grpcCode: 9,
      });
      // The failed grant did not change the lease.
      expect((await backend.leaseTimeToLive({ id })).grantedTtl).toBe(60);
      await backend.leaseRevoke({ id });
      const again = await backend.leaseGrant({ ttl: 30, id });
      expect(again.id).toBe(id);
      expect(again.ttl).toBe(30);
      // A negative explicit ID is accepted and keys attach to it (semantics §12).
      const negativeId = -unusedLeaseId();
      const negative = await backend.leaseGrant({ ttl: 60, id: negativeId });
      expect(negative.id).toBe(negativeId);
      await backend.put({ key: k('neg'), value: 'v', lease: negativeId });
      expect((await backend.range({ key: k('neg') })).kvs[0]!.lease).toBe(negativeId);
      await backend.leaseRevoke({ id: negativeId });
      expect((await backend.range({ key: k('neg') })).count).toBe(0);
      await backend.leaseRevoke({ id });
    },
  },
  {
    name: 'revoke deletes every attached key at one revision; unknown and revoked IDs fail with LeaseNotFoundError',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      for (const s of ['c', 'a', 'b']) await backend.put({ key: k(s), value: s, lease: lease.id });
      await backend.put({ key: k('free'), value: 'no lease' });
      const r0 = await currentRevision(backend);
      const revoked = await backend.leaseRevoke({ id: lease.id });
      expect(revoked.header.revision).toBe(r0 + 1);
      expect(await currentRevision(backend)).toBe(r0 + 1);
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('free')]);
      expect((await backend.range({ ...prefixRange(k('')), revision: r0 })).count).toBe(4);
      await expectRejects(backend.leaseRevoke({ id: lease.id }), LeaseNotFoundError, {
        message: NOT_FOUND,
        code: 'ErrLeaseNotFound',
        grpcCode: 5,
      });
      await expectRejects(backend.leaseRevoke({ id: unusedLeaseId() }), LeaseNotFoundError, {
        message: NOT_FOUND,
      });
      expect(await currentRevision(backend)).toBe(r0 + 1);
      // A put with the revoked lease is refused.
      await expectRejects(backend.put({ key: k('late'), value: 'v', lease: lease.id }), LeaseNotFoundError);
      // A lease without keys revokes without a new revision.
      const empty = await backend.leaseGrant({ ttl: 60 });
      const emptyRevoke = await backend.leaseRevoke({ id: empty.id });
      expect(emptyRevoke.header.revision).toBe(r0 + 1);
      expect(await currentRevision(backend)).toBe(r0 + 1);
    },
  },
  {
    name: 'keepalive renews a known lease and answers TTL 0 for an unknown one',
    async run({ backend }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      const r = await currentRevision(backend);
      const kept = await backend.leaseKeepAlive({ id: lease.id });
      expect(kept.id).toBe(lease.id);
      expect(kept.ttl).toBe(60);
      expect(kept.header.revision).toBe(r);
      const unknownId = unusedLeaseId();
      const unknown = await backend.leaseKeepAlive({ id: unknownId });
      expect(unknown.ttl).toBe(0);
      expect(unknown.id).toBe(unknownId);
      await backend.leaseRevoke({ id: lease.id });
      const revoked = await backend.leaseKeepAlive({ id: lease.id });
      expect(revoked.ttl).toBe(0);
    },
  },
  {
    name: 'timeToLive reports remaining and granted TTL and, when asked, the attached keys; unknown is −1',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      const other = await backend.leaseGrant({ ttl: 60 });
      await backend.put({ key: k('b'), value: '1', lease: lease.id });
      await backend.put({ key: k('a'), value: '1', lease: lease.id });
      await backend.put({ key: k('c'), value: '1', lease: other.id });
      const r = await currentRevision(backend);
      const ttl = await backend.leaseTimeToLive({ id: lease.id, keys: true });
      expect(ttl.id).toBe(lease.id);
      expect(ttl.grantedTtl).toBe(60);
      expect(ttl.ttl).toBeGreaterThanOrEqual(58);
      expect(ttl.ttl).toBeLessThanOrEqual(60);
      expect(ttl.keys.map(toText).sort()).toEqual([k('a'), k('b')]);
      expect(ttl.header.revision).toBe(r);
      const noKeys = await backend.leaseTimeToLive({ id: lease.id });
      expect(noKeys.keys).toEqual([]);
      expect(noKeys.grantedTtl).toBe(60);
      const unknownId = unusedLeaseId();
      const unknown = await backend.leaseTimeToLive({ id: unknownId, keys: true });
      expect(unknown).toMatchObject({ id: unknownId, ttl: -1, grantedTtl: 0, keys: [] });
      await backend.leaseRevoke({ id: lease.id });
      const revoked = await backend.leaseTimeToLive({ id: lease.id, keys: true });
      expect(revoked).toMatchObject({ ttl: -1, grantedTtl: 0, keys: [] });
      await backend.leaseRevoke({ id: other.id });
    },
  },
  {
    name: 'leases lists live leases (in no defined order) and drops revoked ones',
    async run({ backend }) {
      const a = await backend.leaseGrant({ ttl: 60 });
      const b = await backend.leaseGrant({ ttl: 120 });
      const c = await backend.leaseGrant({ ttl: 90 });
      // Other cases' leases may exist on a shared server: compare only ours.
      const ours = new Set([a.id, b.id, c.id]);
      const listed = async () =>
        (await backend.leaseLeases()).leases
          .map((l) => l.id)
          .filter((id) => ours.has(id))
          .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      const sorted = [...ours].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      expect(await listed()).toEqual(sorted);
      const all = await backend.leaseLeases();
      expect(new Set(all.leases.map((l) => l.id)).size).toBe(all.leases.length);
      await backend.leaseRevoke({ id: b.id });
      expect(await listed()).toEqual(sorted.filter((id) => id !== b.id));
      await backend.leaseRevoke({ id: a.id });
      await backend.leaseRevoke({ id: c.id });
      expect(await listed()).toEqual([]);
    },
  },
]);
