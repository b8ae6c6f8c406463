/**
 * The space quota, on a target started with a {@link QUOTA_CASE_BYTES} quota (etcd's
 * `--quota-backend-bytes`): writes until the store is full, what NOSPACE then refuses, and recovery as
 * etcd documents it — delete, compact, defragment, disarm. Run these cases on their own server: they fill
 * it.
 */

import { prefixRange } from '../../../common/bytes.js';
import { NoSpaceError } from '../../../interface/errors.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects } from '../helpers.js';
import { alarmText, maintenanceOf } from './maintenance.js';

/** The quota the quota cases expect their target to have: 1 MiB. */
export const QUOTA_CASE_BYTES = 1024 * 1024;

const NOSPACE = { message: 'etcdserver: mvcc: database space exceeded', grpcCode: 8 };

export default defineCases('quota', [
  {
    name: 'a full store raises NOSPACE on the refused write; recovery needs compact, defragment and disarm',
    timeoutMs: 60_000,
    async run(ctx) {
      const { backend, k, prefix } = ctx;
      const m = maintenanceOf(backend);
      const id = (await backend.status()).header.memberId;
      const value = 'v'.repeat(100 * 1024);
      let stored = 0;
      let refused: unknown;
      // A real etcd checks the bolt file size as of its last commit, so it overshoots by a varying
      // number of puts (13 to 56 measured); 200 bounds the loop.
      for (let i = 0; i < 200 && refused === undefined; i++) {
        try {
          await backend.put({ key: k(`big/${i}`), value });
          stored++;
        } catch (error) {
          refused = error;
        }
      }
      expect(refused).toBeInstanceOf(NoSpaceError);
      expect((refused as NoSpaceError).message).toBe(NOSPACE.message);
      expect(stored).toBeGreaterThan(0);
      const full = await backend.status();
      expect(full.errors).toContain(alarmText(id, 'NOSPACE'));
      // The refused put did not fit: etcd's cost is 256 bytes plus key and value.
      const cost = 256 + k(`big/${stored}`).length + value.length;
      expect(full.dbSize + cost).toBeGreaterThanOrEqual(QUOTA_CASE_BYTES);
      // A real etcd checks its size as of its last commit and overshoots; the memory store is exact:
      // everything it stored fitted (dbSizeModel).
      if (!differs('dbSizeModel', ctx)) expect(full.dbSize).toBeLessThan(QUOTA_CASE_BYTES);
      expect((await m.alarm({ action: 'GET', alarm: 'NOSPACE' })).alarms).toEqual([
        { memberId: id, alarm: 'NOSPACE' },
      ]);
      // Small writes are refused too, reads are served.
      await expectRejects(backend.put({ key: k('small'), value: '1' }), NoSpaceError, NOSPACE);
      await expectRejects(backend.leaseGrant({ ttl: 60 }), NoSpaceError, NOSPACE);
      expect((await backend.range({ ...prefixRange(k('big/')), countOnly: true })).count).toBe(stored);
      // Free the space: delete, compact, defragment. The alarm stays until disarmed.
      await backend.deleteRange(prefixRange(prefix));
      await backend.compact({ revision: await currentRevision(backend), physical: true });
      await m.defragment();
      const freed = await backend.status();
      expect(freed.dbSize).toBeLessThan(QUOTA_CASE_BYTES);
      expect(freed.errors).toContain(alarmText(id, 'NOSPACE'));
      await expectRejects(backend.put({ key: k('small'), value: '1' }), NoSpaceError, NOSPACE);
      const disarmed = await m.alarm({ action: 'DEACTIVATE', memberId: id, alarm: 'NOSPACE' });
      expect(disarmed.alarms).toEqual([{ memberId: id, alarm: 'NOSPACE' }]);
      expect((await backend.status()).errors).toEqual([]);
      await backend.put({ key: k('small'), value: '1' });
      const lease = await backend.leaseGrant({ ttl: 60 });
      await backend.leaseRevoke({ id: lease.id });
    },
  },
]);
