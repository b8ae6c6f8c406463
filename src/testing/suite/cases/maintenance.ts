/**
 * Maintenance on one member: Status fields, HashKV, alarms and what each alarm refuses, defragment,
 * MoveLeader and the snapshot stream. Needs a backend implementing MaintenanceBackend. Alarms raised
 * here are always disarmed before the case ends, so the cases can share a server with others.
 */

import { toText } from '../../../common/bytes.js';
import type { KvBackend } from '../../../interface/backend.js';
import {
  BadLeaderTransfereeError,
  CompactedError,
  CorruptError,
  FutureRevisionError,
  InvalidArgumentError,
  NoSpaceError,
} from '../../../interface/errors.js';
import {
  type AlarmType,
  isMaintenanceBackend,
  type MaintenanceBackend,
} from '../../../interface/maintenance.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects } from '../helpers.js';

/** The backend as a MaintenanceBackend; a clear failure for one that is not. */
export function maintenanceOf(backend: KvBackend): MaintenanceBackend {
  if (!isMaintenanceBackend(backend)) {
    throw new Error('the maintenance cases need a backend that implements MaintenanceBackend');
  }
  return backend;
}

/** Raise `alarm` for `memberId`, run `body`, and disarm it whatever happens. */
export async function withAlarm(
  backend: MaintenanceBackend,
  memberId: bigint,
  alarm: AlarmType,
  body: () => Promise<void>,
): Promise<void> {
  const raised = await backend.alarm({ action: 'ACTIVATE', memberId, alarm });
  expect(raised.alarms).toEqual([{ memberId, alarm }]);
  try {
    await body();
  } finally {
    await backend.alarm({ action: 'DEACTIVATE', memberId, alarm });
  }
}

/** Status's text for an alarm: Go's text format of AlarmMember, trailing space included. */
export function alarmText(memberId: bigint, alarm: string | number): string {
  return `memberID:${memberId} alarm:${alarm} `;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  const { createHash } = await import('node:crypto');
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export default defineCases('maintenance', [
  {
    name: 'status reports every field of one healthy member',
    async run({ backend }) {
      const s = await backend.status();
      expect(s.leader).toBe(s.header.memberId);
      expect(s.raftAppliedIndex).toBeGreaterThan(0);
      expect(s.raftAppliedIndex).toBeLessThanOrEqual(s.raftIndex);
      expect(s.dbSizeInUse).toBeGreaterThanOrEqual(0);
      expect(s.dbSizeInUse).toBeLessThanOrEqual(s.dbSize);
      expect(s.errors).toEqual([]);
      expect(s.isLearner).toBe(false);
    },
  },
  {
    name: 'HashKV: current revision in the header, stable for a past revision, future and compacted refused',
    async run({ backend, k }) {
      const m = maintenanceOf(backend);
      await backend.put({ key: k('a'), value: '1' });
      const r = await currentRevision(backend);
      const now = await m.hashKv();
      expect(now.header.revision).toBe(r);
      expect(now.hash).toBe((await m.hashKv({ revision: r })).hash);
      expect(Number.isInteger(now.hash) && now.hash >= 0 && now.hash < 2 ** 32).toBe(true);
      await backend.put({ key: k('a'), value: '2' });
      await backend.deleteRange({ key: k('a') });
      const past = await m.hashKv({ revision: r });
      expect(past.hash).toBe(now.hash); // history up to r did not change
      expect(past.header.revision).toBe(r + 2); // the header names the current revision
      expect((await m.hashKv()).hash).not.toBe(now.hash);
      await expectRejects(m.hashKv({ revision: r + 3 }), FutureRevisionError, {
        message: 'etcdserver: mvcc: required revision is a future revision',
      });
      // physical: etcd compacts its index and db in the background after answering; a HashKV that runs
      // before that job still hashes the revisions the job is about to drop (seen once on 3.4.23 under load).
      await backend.compact({ revision: r + 1, physical: true });
      const after = await m.hashKv();
      expect(after.compactRevision).toBe(r + 1);
      // Unlike Range, HashKV refuses the compact revision itself.
      await expectRejects(m.hashKv({ revision: r + 1 }), CompactedError, {
        message: 'etcdserver: mvcc: required revision has been compacted',
      });
      expect((await m.hashKv({ revision: r + 2 })).hash).toBe(after.hash);
    },
  },
  {
    name: 'NOSPACE: puts, txns with direct puts and lease grants refused; reads, deletes, compaction and revokes served',
    async run({ backend, k }) {
      const m = maintenanceOf(backend);
      const id = (await backend.status()).header.memberId;
      await backend.put({ key: k('a'), value: '1' });
      const lease = await backend.leaseGrant({ ttl: 60 });
      await withAlarm(m, id, 'NOSPACE', async () => {
        const status = await backend.status();
        expect(status.errors).toContain(alarmText(id, 'NOSPACE'));
        const listed = (await m.alarm({ action: 'GET' })).alarms;
        expect(listed.some((a) => a.memberId === id && a.alarm === 'NOSPACE')).toBe(true);
        const nospace = { message: 'etcdserver: mvcc: database space exceeded', grpcCode: 8 };
        await expectRejects(backend.put({ key: k('b'), value: '1' }), NoSpaceError, nospace);
        await expectRejects(
          backend.txn({ failure: [{ requestPut: { key: k('b'), value: '1' } }] }),
          NoSpaceError,
          nospace,
        );
        await expectRejects(backend.leaseGrant({ ttl: 60 }), NoSpaceError, nospace);
        expect(toText((await backend.range({ key: k('a') })).kvs[0]!.value)).toBe('1');
        const readOnly = await backend.txn({ success: [{ requestRange: { key: k('a') } }] });
        expect(readOnly.succeeded).toBe(true);
        // etcd counts only a txn's direct puts: a put inside a nested txn still goes through.
        const nested = await backend.txn({
          success: [{ requestTxn: { success: [{ requestPut: { key: k('nested'), value: '1' } }] } }],
        });
        expect(nested.succeeded).toBe(true);
        await backend.deleteRange({ key: k('nested') });
        await backend.txn({ success: [{ requestDeleteRange: { key: k('none') } }] });
        await backend.compact({ revision: await currentRevision(backend) });
        await backend.leaseRevoke({ id: lease.id });
        await m.defragment();
        expect((await backend.status()).errors).toContain(alarmText(id, 'NOSPACE')); // defragment disarms nothing
      });
      expect((await backend.status()).errors).not.toContain(alarmText(id, 'NOSPACE'));
      await backend.put({ key: k('b'), value: '1' });
      await backend.leaseRevoke({ id: (await backend.leaseGrant({ ttl: 60 })).id });
    },
  },
  {
    name: 'CORRUPT: every write refused with "corrupt cluster"; reads and read-only txns served',
    async run({ backend, k }) {
      const m = maintenanceOf(backend);
      const id = (await backend.status()).header.memberId;
      await backend.put({ key: k('a'), value: '1' });
      const lease = await backend.leaseGrant({ ttl: 60 });
      await withAlarm(m, id, 'CORRUPT', async () => {
        expect((await backend.status()).errors).toContain(alarmText(id, 'CORRUPT'));
        const corrupt = { message: 'etcdserver: corrupt cluster', grpcCode: 15 };
        await expectRejects(backend.put({ key: k('b'), value: '1' }), CorruptError, corrupt);
        await expectRejects(backend.deleteRange({ key: k('a') }), CorruptError, corrupt);
        await expectRejects(
          backend.txn({ success: [{ requestDeleteRange: { key: k('a') } }] }),
          CorruptError,
          corrupt,
        );
        await expectRejects(
          backend.compact({ revision: await currentRevision(backend) }),
          CorruptError,
          corrupt,
        );
        await expectRejects(backend.leaseGrant({ ttl: 60 }), CorruptError, corrupt);
        await expectRejects(backend.leaseRevoke({ id: lease.id }), CorruptError, corrupt);
        expect((await backend.range({ key: k('a') })).count).toBe(1);
        expect((await backend.range({ key: k('a'), serializable: true })).count).toBe(1);
        const readOnly = await backend.txn({ success: [{ requestRange: { key: k('a') } }] });
        expect(readOnly.succeeded).toBe(true);
      });
      await backend.put({ key: k('b'), value: '1' });
      await backend.leaseRevoke({ id: lease.id });
    },
  },
  {
    name: 'alarms: any member ID and alarm number are kept; deactivate returns what it removed, or nothing',
    async run({ backend }) {
      const m = maintenanceOf(backend);
      const other = 12345n;
      expect((await m.alarm({ action: 'DEACTIVATE', memberId: other, alarm: 'NOSPACE' })).alarms).toEqual([]);
      await withAlarm(m, other, 9, async () => {
        expect((await m.alarm({ action: 'GET', alarm: 9 })).alarms).toEqual([{ memberId: other, alarm: 9 }]);
        expect((await backend.status()).errors).toContain(alarmText(other, 9));
        // A second activation returns the alarm already raised.
        const again = await m.alarm({ action: 'ACTIVATE', memberId: other, alarm: 9 });
        expect(again.alarms).toEqual([{ memberId: other, alarm: 9 }]);
      });
      expect((await m.alarm({ action: 'GET', alarm: 9 })).alarms).toEqual([]);
      // An unknown action crashes etcd 3.4.23 (differences: unknownAlarmAction); every backend refuses it
      // before it gets there, on every target.
      await expectRejects(m.alarm({ action: 'BOGUS' as never }), InvalidArgumentError);
    },
  },
  {
    name: 'defragment answers with no header; MoveLeader to itself is a no-op, to an unknown member refused',
    async run({ backend }) {
      const m = maintenanceOf(backend);
      expect(await m.defragment()).toEqual({});
      const s = await backend.status();
      expect(s.dbSizeInUse).toBeLessThanOrEqual(s.dbSize);
      expect(await m.moveLeader({ targetId: s.leader })).toEqual({});
      await expectRejects(m.moveLeader({ targetId: 1n }), BadLeaderTransfereeError, {
        message: 'etcdserver: bad leader transferee',
        grpcCode: 9,
      });
    },
  },
  {
    name: 'snapshot: the data, then its SHA-256',
    async run(ctx) {
      const { backend, k } = ctx;
      const m = maintenanceOf(backend);
      await backend.put({ key: k('a'), value: 'x'.repeat(1000) });
      const chunks: Uint8Array[] = [];
      for await (const chunk of m.snapshot()) chunks.push(chunk);
      const all = Buffer.concat(chunks);
      expect(all.length).toBeGreaterThan(1032);
      const data = all.subarray(0, all.length - 32);
      expect(Buffer.from(await sha256(data)).equals(all.subarray(all.length - 32))).toBe(true);
      expect(chunks.at(-1)!.length).toBe(32); // the hash comes as a message of its own
      // etcd sends a bolt file; the simulator its own format, a JSON document (snapshotFormat).
      const head = data.subarray(0, 40).toString('latin1');
      if (differs('snapshotFormat', ctx)) expect(head).not.toMatch(/^\{/);
      else expect(head).toMatch(/^\{"format":"etcd-kv-kit snapshot"/);
    },
  },
]);
