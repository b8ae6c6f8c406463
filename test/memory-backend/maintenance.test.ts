/** The memory store's maintenance: db size, Hash, alarms' corner cases, auto-compaction on its clock. */

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import { MemoryBackend, MemoryStore } from '../../src/memory-backend/index.js';
import { crc32c } from '../../src/memory-backend/maintenance/crc32c.js';

describe('db size', () => {
  it('counts what etcd writes per revision: 17-byte revision key + protobuf KeyValue (18 + key for a delete)', async () => {
    await using b = new MemoryBackend();
    await b.put({ key: 'a', value: 'b' });
    // key(1+1+1) create_revision(1+1) mod_revision(1+1) version(1+1) value(1+1+1) = 12
    expect((await b.status()).dbSizeInUse).toBe(17 + 12);
    await b.deleteRange({ key: 'a' });
    expect((await b.status()).dbSizeInUse).toBe(17 + 12 + 18 + 3);
    const lease = await b.leaseGrant({ ttl: 60, id: 300n });
    await b.put({ key: 'c', value: '', lease: lease.id }); // no value field; lease 300 is a 2-byte varint
    expect((await b.status()).dbSizeInUse).toBe(17 + 12 + 18 + 3 + 17 + (3 + 2 + 2 + 2 + 3));
  });
});

describe('Hash', () => {
  it('is CRC-32C (check value) and the same for two stores given the same writes, leases and alarms', async () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const run = async () => {
      const b = new MemoryBackend({ seed: 1 });
      await b.put({ key: 'k', value: 'v' });
      const before = (await b.hash()).hash;
      await b.leaseGrant({ ttl: 30 }); // a server-chosen ID, from the seed
      const withLease = (await b.hash()).hash;
      await b.alarm({ action: 'ACTIVATE', memberId: 1n, alarm: 'NOSPACE' });
      const withAlarm = (await b.hash()).hash;
      await b.close();
      return [before, withLease, withAlarm];
    };
    const [one, two] = [await run(), await run()];
    expect(one).toEqual(two);
    expect(new Set(one).size).toBe(3);
  });
});

describe('alarms', () => {
  it('the newest raise decides the mode; a disarm that empties its type restores writes, as etcd does', async () => {
    await using b = new MemoryBackend();
    await b.alarm({ action: 'ACTIVATE', memberId: 1n, alarm: 'CORRUPT' });
    await b.alarm({ action: 'ACTIVATE', memberId: 1n, alarm: 'NOSPACE' }); // capped replaces corrupt
    await expect(b.deleteRange({ key: 'x' })).resolves.toBeDefined();
    await b.alarm({ action: 'DEACTIVATE', memberId: 1n, alarm: 'NOSPACE' });
    // CORRUPT is still raised, yet etcd 3.4 restored its normal applier: writes pass.
    await expect(b.put({ key: 'x', value: '1' })).resolves.toBeDefined();
    expect((await b.status()).errors).toEqual(['memberID:1 alarm:CORRUPT ']);
  });

  it('refuses an unknown action or alarm name and keeps serving (etcd 3.4.23 crashes)', async () => {
    await using b = new MemoryBackend();
    await expect(b.alarm({ action: 7 as never })).rejects.toThrow(
      /alarm action must be GET, ACTIVATE or DEACTIVATE, received number 7/,
    );
    await expect(b.alarm({ action: 'GET', alarm: 'BOGUS' as never })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(b.put({ key: 'k', value: 'v' })).resolves.toBeDefined();
  });
});

describe('auto-compaction on the store clock', () => {
  it('periodic: every retention/10 it notes the revision, and compacts at the one noted a retention ago', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({
      clock,
      autoCompactionMode: 'periodic',
      autoCompactionRetention: '10s',
    });
    const c = store.connect();
    const noted: number[] = [];
    for (let s = 0; s < 25; s++) {
      noted.push(store.revision); // what the compactor notes at second s (before this second's put)
      await c.put({ key: 'k', value: String(s) });
      await clock.advanceAsync(1000);
      if (s === 9) expect(store.compactRevision).toBe(noted[0]); // at 10 s: the revision at 0 s
      if (s === 18) expect(store.compactRevision).toBe(noted[0]);
      if (s === 19) expect(store.compactRevision).toBe(noted[9]); // 10 s later: the revision at 9 s
    }
  });

  it('periodic: a bare number is hours; revision: every 5 minutes, current minus retention', async () => {
    const clock = new ManualClock();
    await using hourly = new MemoryStore({ clock, autoCompactionRetention: 1 });
    await hourly.connect().put({ key: 'k', value: 'v' });
    await clock.advanceAsync(59 * 60_000, 60_000);
    expect(hourly.compactRevision).toBe(-1);
    await clock.advanceAsync(60_000);
    expect(hourly.compactRevision).toBe(1);

    const clock2 = new ManualClock();
    await using store = new MemoryStore({
      clock: clock2,
      autoCompactionMode: 'revision',
      autoCompactionRetention: 5,
    });
    const c = store.connect();
    for (let i = 0; i < 20; i++) await c.put({ key: 'k', value: String(i) }); // revision 21
    await clock2.advanceAsync(5 * 60_000);
    expect(store.compactRevision).toBe(16);
    await clock2.advanceAsync(5 * 60_000); // no writes: 16 again, nothing to do
    expect(store.compactRevision).toBe(16);
    for (let i = 0; i < 3; i++) await c.put({ key: 'k', value: String(i) }); // 24
    await clock2.advanceAsync(5 * 60_000);
    expect(store.compactRevision).toBe(19);
  });

  it('refuses settings etcd refuses', () => {
    expect(
      () => new MemoryStore({ autoCompactionMode: 'hourly' as never, autoCompactionRetention: 1 }),
    ).toThrow(/unknown auto-compaction-mode "hourly"/);
    expect(() => new MemoryStore({ autoCompactionRetention: '1x' })).toThrow(/invalid duration "1x"/);
  });
});
