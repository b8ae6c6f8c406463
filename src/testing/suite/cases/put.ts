/** Put: prevKv, ignoreValue/ignoreLease and their errors, lease attachment, unknown leases, size limits. */

import { toText } from '../../../common/bytes.js';
import {
  EmptyKeyError,
  KeyNotFoundError,
  LeaseNotFoundError,
  LeaseProvidedError,
  RequestTooLargeError,
  ValueProvidedError,
} from '../../../interface/errors.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects, keysOf, valuesOf } from '../helpers.js';

/** A lease ID no server has handed out: random, positive, below 2^62. */
export function unusedLeaseId(): bigint {
  return (BigInt(Date.now()) << 20n) + BigInt(Math.floor(Math.random() * 2 ** 20)) + 0x3000_0000_0000_0000n;
}

export default defineCases('put', [
  {
    name: 'prevKv returns the whole previous KeyValue, lease included',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      const first = await backend.put({ key: k('a'), value: 'one', lease: lease.id });
      const second = await backend.put({ key: k('a'), value: 'two', prevKv: true });
      expect(second.header.revision).toBe(first.header.revision + 1);
      const prev = second.prevKv!;
      expect(toText(prev.key)).toBe(k('a'));
      expect(toText(prev.value)).toBe('one');
      expect(prev).toMatchObject({
        createRevision: first.header.revision,
        modRevision: first.header.revision,
        version: 1,
        lease: lease.id,
      });
      const third = await backend.put({ key: k('a'), value: 'three' });
      expect(third.prevKv).toBeUndefined();
      await backend.leaseRevoke({ id: lease.id });
    },
  },
  {
    name: 'ignoreValue keeps the value and bumps version; errors for a value given and for a missing key',
    async run({ backend, k }) {
      const first = await backend.put({ key: k('a'), value: 'keep' });
      const second = await backend.put({ key: k('a'), ignoreValue: true, prevKv: true });
      expect(second.header.revision).toBe(first.header.revision + 1);
      expect(toText(second.prevKv!.value)).toBe('keep');
      const kv = (await backend.range({ key: k('a') })).kvs[0]!;
      expect(toText(kv.value)).toBe('keep');
      expect(kv.version).toBe(2);
      expect(kv.modRevision).toBe(second.header.revision);
      // An explicitly empty value is "no value".
      const third = await backend.put({ key: k('a'), value: '', ignoreValue: true });
      expect(third.header.revision).toBe(second.header.revision + 1);
      expect(valuesOf((await backend.range({ key: k('a') })).kvs)).toEqual(['keep']);

      const r = third.header.revision;
      await expectRejects(backend.put({ key: k('a'), value: 'x', ignoreValue: true }), ValueProvidedError, {
        message: 'etcdserver: value is provided',
        code: 'ErrValueProvided',
        grpcCode: 3,
      });
      await expectRejects(backend.put({ key: k('missing'), ignoreValue: true }), KeyNotFoundError, {
        message: 'etcdserver: key not found',
        code: 'ErrKeyNotFound',
        grpcCode: 3,
      });
      expect(await currentRevision(backend)).toBe(r);
      expect((await backend.range({ key: k('missing') })).count).toBe(0);
      expect(valuesOf((await backend.range({ key: k('a') })).kvs)).toEqual(['keep']);
    },
  },
  {
    name: 'ignoreLease keeps the lease; errors for a lease given and for a missing key',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      await backend.put({ key: k('a'), value: 'one', lease: lease.id });
      const put = await backend.put({ key: k('a'), value: 'two', ignoreLease: true });
      const kv = (await backend.range({ key: k('a') })).kvs[0]!;
      expect(kv.lease).toBe(lease.id);
      expect(toText(kv.value)).toBe('two');
      expect(kv.version).toBe(2);
      const both = await backend.put({ key: k('a'), ignoreLease: true, ignoreValue: true });
      expect(both.header.revision).toBe(put.header.revision + 1);
      expect((await backend.range({ key: k('a') })).kvs[0]).toMatchObject({ lease: lease.id, version: 3 });

      const r = both.header.revision;
      await expectRejects(
        backend.put({ key: k('a'), value: 'x', lease: lease.id, ignoreLease: true }),
        LeaseProvidedError,
        { message: 'etcdserver: lease is provided', code: 'ErrLeaseProvided', grpcCode: 3 },
      );
      await expectRejects(
        backend.put({ key: k('missing'), value: 'x', ignoreLease: true }),
        KeyNotFoundError,
        {
          message: 'etcdserver: key not found',
        },
      );
      expect(await currentRevision(backend)).toBe(r);
      const ttl = await backend.leaseTimeToLive({ id: lease.id, keys: true });
      expect(ttl.keys.map(toText)).toEqual([k('a')]);
      await backend.leaseRevoke({ id: lease.id });
    },
  },
  {
    name: 'validation order: empty key, then value provided, then lease provided',
    async run({ backend, k }) {
      const r = await currentRevision(backend);
      await expectRejects(backend.put({ key: '', value: 'x', ignoreValue: true }), EmptyKeyError, {
        message: 'etcdserver: key is not provided',
      });
      await expectRejects(
        backend.put({ key: k('a'), value: 'x', ignoreValue: true, lease: 5n, ignoreLease: true }),
        ValueProvidedError,
      );
      // Both are checked before the key's existence and the lease's existence.
      await expectRejects(
        backend.put({ key: k('missing'), lease: 5n, ignoreLease: true }),
        LeaseProvidedError,
      );
      expect(await currentRevision(backend)).toBe(r);
    },
  },
  {
    name: 'a lease attaches, a put with another lease moves the key, a plain put detaches it',
    async run({ backend, k }) {
      const l1 = await backend.leaseGrant({ ttl: 60 });
      const l2 = await backend.leaseGrant({ ttl: 60 });
      const keysOfLease = async (id: bigint) =>
        (await backend.leaseTimeToLive({ id, keys: true })).keys.map(toText).sort();
      await backend.put({ key: k('a'), value: '1', lease: l1.id });
      await backend.put({ key: k('b'), value: '1', lease: l1.id });
      expect((await backend.range({ key: k('a') })).kvs[0]!.lease).toBe(l1.id);
      expect(await keysOfLease(l1.id)).toEqual([k('a'), k('b')]);

      await backend.put({ key: k('a'), value: '2', lease: l2.id });
      expect((await backend.range({ key: k('a') })).kvs[0]!.lease).toBe(l2.id);
      expect(await keysOfLease(l1.id)).toEqual([k('b')]);
      expect(await keysOfLease(l2.id)).toEqual([k('a')]);

      await backend.put({ key: k('a'), value: '3' });
      expect((await backend.range({ key: k('a') })).kvs[0]!.lease).toBe(0n);
      expect(await keysOfLease(l2.id)).toEqual([]);

      // Revoking l2 no longer touches a; revoking l1 deletes only b.
      const before = await currentRevision(backend);
      await backend.leaseRevoke({ id: l2.id });
      expect(await currentRevision(backend)).toBe(before);
      await backend.leaseRevoke({ id: l1.id });
      expect(await currentRevision(backend)).toBe(before + 1);
      expect(keysOf((await backend.range({ key: k('a'), rangeEnd: k('c') })).kvs)).toEqual([k('a')]);
    },
  },
  {
    name: 'a put with an unknown lease fails with LeaseNotFoundError and changes nothing',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'old' });
      const r = await currentRevision(backend);
      const id = unusedLeaseId();
      await expectRejects(backend.put({ key: k('a'), value: 'new', lease: id }), LeaseNotFoundError, {
        message: 'etcdserver: requested lease not found',
        code: 'ErrLeaseNotFound',
        grpcCode: 5,
      });
      await expectRejects(backend.put({ key: k('b'), value: 'new', lease: id }), LeaseNotFoundError);
      expect(await currentRevision(backend)).toBe(r);
      expect(valuesOf((await backend.range({ key: k('a') })).kvs)).toEqual(['old']);
      expect((await backend.range({ key: k('b') })).count).toBe(0);
    },
  },
  {
    name: 'a ~1 MiB value is accepted; a ~1.6 MiB value fails with RequestTooLargeError',
    timeoutMs: 60_000,
    async run({ backend, k }) {
      const big = new Uint8Array(1024 * 1024).fill(0x61);
      const put = await backend.put({ key: k('big'), value: big });
      const got = (await backend.range({ key: k('big') })).kvs[0]!;
      expect(got.value.length).toBe(big.length);
      expect(got.modRevision).toBe(put.header.revision);
      const tooBig = new Uint8Array(1_600_000).fill(0x62);
      await expectRejects(backend.put({ key: k('big'), value: tooBig }), RequestTooLargeError, {
        message: 'etcdserver: request is too large',
        code: 'ErrRequestTooLarge',
        grpcCode: 3,
      });
      await expectRejects(backend.put({ key: k('huge'), value: tooBig }), RequestTooLargeError);
      expect(await currentRevision(backend)).toBe(put.header.revision);
      expect((await backend.range({ key: k('big') })).kvs[0]!.value[0]).toBe(0x61);
      expect((await backend.range({ key: k('huge') })).count).toBe(0);
    },
  },
]);
