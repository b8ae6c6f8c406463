/** Leases on the manual clock: expiry, renewal, revoke, grants and attachment rules. */

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { toText } from '../../src/common/bytes.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError } from '../../src/interface/errors.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { eventsOf, Reader, rev, setup } from './helpers.js';

describe('memory lease expiry (ManualClock)', () => {
  it('deletes the keys of an expired lease at one revision, in key order, as one watch response', async () => {
    const { clock, backend } = setup();
    const lease = await backend.leaseGrant({ ttl: 10 });
    await backend.put({ key: 'b', value: '2', lease: lease.id });
    await backend.put({ key: 'a', value: '1', lease: lease.id });
    await backend.put({ key: 'c', value: '3' });
    const stream = backend.watchStream();
    stream.create({ key: '\0', rangeEnd: '\0' });
    const reader = new Reader(stream);
    await reader.take();
    const r0 = await rev(backend);
    clock.advance(9_999);
    expect(await rev(backend)).toBe(r0);
    clock.advance(1);
    expect(await rev(backend)).toBe(r0 + 1);
    expect((await backend.range({ key: '\0', rangeEnd: '\0' })).kvs.map((kv) => toText(kv.key))).toEqual([
      'c',
    ]);
    const responses = await reader.take();
    expect(responses).toHaveLength(1);
    expect(eventsOf(responses)).toEqual([`DELETE a@${r0 + 1}`, `DELETE b@${r0 + 1}`]);
    expect((await backend.leaseTimeToLive({ id: lease.id })).ttl).toBe(-1);
    await backend.close();
  });

  it('two leases expiring together take one revision each; a lease without keys takes none', async () => {
    const { clock, backend } = setup();
    const l1 = await backend.leaseGrant({ ttl: 5 });
    const l2 = await backend.leaseGrant({ ttl: 5 });
    await backend.leaseGrant({ ttl: 5 });
    await backend.put({ key: 'x', lease: l1.id });
    await backend.put({ key: 'y', lease: l2.id });
    const r0 = await rev(backend);
    clock.advance(5_000);
    expect(await rev(backend)).toBe(r0 + 2);
    expect((await backend.leaseLeases()).leases).toEqual([]);
    await backend.close();
  });

  it('keepalive pushes expiry back by the granted TTL; unknown or expired answers TTL 0', async () => {
    const { clock, backend } = setup();
    const lease = await backend.leaseGrant({ ttl: 3 });
    await backend.put({ key: 'k', lease: lease.id });
    clock.advance(2_500);
    const ka = await backend.leaseKeepAlive({ id: lease.id });
    expect(ka.ttl).toBe(3);
    clock.advance(2_500);
    expect((await backend.range({ key: 'k' })).count).toBe(1);
    expect((await backend.leaseTimeToLive({ id: lease.id })).ttl).toBe(0);
    clock.advance(500);
    expect((await backend.range({ key: 'k' })).count).toBe(0);
    expect((await backend.leaseKeepAlive({ id: lease.id })).ttl).toBe(0);
    expect((await backend.leaseKeepAlive({ id: 12345n })).ttl).toBe(0);
    await backend.close();
  });

  it('an expired lease is gone for every request even if its timer has not fired yet', async () => {
    // A clock whose timers never fire: only the lazy check can expire the lease.
    let now = 0;
    const clock = { now: () => now, setTimeout: () => ({ cancel() {} }) };
    const backend = new MemoryBackend({ clock, minLeaseTtl: 1, seed: 1 });
    const lease = await backend.leaseGrant({ ttl: 2 });
    await backend.put({ key: 'k', lease: lease.id });
    now = 2_000;
    expect((await backend.range({ key: 'k' })).count).toBe(0);
    await expect(backend.put({ key: 'k2', lease: lease.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
    await backend.close();
  });

  it('timeToLive counts down in whole seconds and lists attached keys', async () => {
    const { clock, backend } = setup();
    const lease = await backend.leaseGrant({ ttl: 10 });
    await backend.put({ key: 'k1', lease: lease.id });
    await backend.put({ key: 'k2', lease: lease.id });
    clock.advance(3_500);
    const ttl = await backend.leaseTimeToLive({ id: lease.id, keys: true });
    expect(ttl.ttl).toBe(6);
    expect(ttl.grantedTtl).toBe(10);
    expect(ttl.keys.map(toText).sort()).toEqual(['k1', 'k2']);
    const unknown = await backend.leaseTimeToLive({ id: 99n, keys: true });
    expect(unknown).toMatchObject({ ttl: -1, grantedTtl: 0, keys: [] });
    await backend.close();
  });

  it('raises TTLs below the minimum (negative included) and rejects TTLs above 9e9', async () => {
    const { backend } = setup({ minLeaseTtl: 2 });
    expect((await backend.leaseGrant({ ttl: 1 })).ttl).toBe(2);
    expect((await backend.leaseGrant({ ttl: -5 })).ttl).toBe(2);
    expect((await backend.leaseGrant({ ttl: 9_000_000_000 })).ttl).toBe(9_000_000_000);
    await expect(backend.leaseGrant({ ttl: 9_000_000_001 })).rejects.toBeInstanceOf(LeaseTtlTooLargeError);
    await backend.close();
  });

  it('accepts explicit and negative IDs, rejects a duplicate, and lets a revoked ID be reused', async () => {
    const { backend } = setup();
    expect((await backend.leaseGrant({ ttl: 5, id: -7n })).id).toBe(-7n);
    await backend.put({ key: 'neg', lease: -7n });
    expect((await backend.range({ key: 'neg' })).kvs[0]!.lease).toBe(-7n);
    await expect(backend.leaseGrant({ ttl: 5, id: -7n })).rejects.toBeInstanceOf(LeaseExistsError);
    await backend.leaseRevoke({ id: -7n });
    expect((await backend.leaseGrant({ ttl: 5, id: -7n })).id).toBe(-7n);
    await expect(backend.leaseRevoke({ id: 31337n })).rejects.toBeInstanceOf(LeaseNotFoundError);
    await backend.close();
  });

  it('chooses random positive IDs above 2^53, the same ones for the same seed', async () => {
    const ids = async (seed: number): Promise<bigint[]> => {
      const { backend } = setup({ seed });
      const out: bigint[] = [];
      for (let i = 0; i < 20; i++) out.push((await backend.leaseGrant({ ttl: 5 })).id);
      await backend.close();
      return out;
    };
    const a = await ids(7);
    expect(await ids(7)).toEqual(a);
    expect(await ids(8)).not.toEqual(a);
    expect(new Set(a).size).toBe(20);
    for (const id of a) {
      expect(id > 2n ** 53n).toBe(true);
      expect(id < 2n ** 63n).toBe(true);
    }
  });

  it('a plain put detaches the key from its lease; a put with another lease moves it; delete detaches', async () => {
    const { clock, backend } = setup();
    const l1 = await backend.leaseGrant({ ttl: 5 });
    const l2 = await backend.leaseGrant({ ttl: 50 });
    await backend.put({ key: 'plain', lease: l1.id });
    await backend.put({ key: 'plain', value: 'kept' });
    await backend.put({ key: 'moved', lease: l1.id });
    await backend.put({ key: 'moved', lease: l2.id });
    await backend.put({ key: 'deleted', lease: l1.id });
    await backend.deleteRange({ key: 'deleted' });
    await backend.put({ key: 'ignored', lease: l1.id });
    await backend.put({ key: 'ignored', value: 'v2', ignoreLease: true });
    const keys = await backend.leaseTimeToLive({ id: l1.id, keys: true });
    expect(keys.keys.map(toText)).toEqual(['ignored']);
    const r0 = await rev(backend);
    clock.advance(5_000);
    expect(await rev(backend)).toBe(r0 + 1);
    expect((await backend.range({ key: 'plain' })).kvs[0]!.lease).toBe(0n);
    expect((await backend.range({ key: 'moved' })).kvs[0]!.lease).toBe(l2.id);
    expect((await backend.range({ key: 'ignored' })).count).toBe(0);
    await backend.close();
  });

  it('revoke deletes attached keys at one revision; with no keys the revision stays', async () => {
    const { backend } = setup();
    const empty = await backend.leaseGrant({ ttl: 5 });
    const r0 = await rev(backend);
    expect((await backend.leaseRevoke({ id: empty.id })).header.revision).toBe(r0);
    const lease = await backend.leaseGrant({ ttl: 5 });
    await backend.put({ key: 'a', lease: lease.id });
    await backend.put({ key: 'b', lease: lease.id });
    const revoked = await backend.leaseRevoke({ id: lease.id });
    expect(revoked.header.revision).toBe(r0 + 3);
    const a = await backend.range({ key: 'a', revision: r0 + 2 });
    expect(a.count).toBe(1);
    await backend.close();
  });

  it('close cancels every timer', async () => {
    const { clock, backend } = setup({ progressNotifyIntervalMs: 1_000 });
    await backend.leaseGrant({ ttl: 30 });
    const stream = backend.watchStream();
    stream.create({ key: 'k', progressNotify: true });
    expect(clock.pendingTimers).toBeGreaterThan(0);
    await backend.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('revoking the last lease stops the expiry timer', async () => {
    const { clock, backend } = setup();
    const a = await backend.leaseGrant({ ttl: 30 });
    const b = await backend.leaseGrant({ ttl: 60 });
    expect(clock.pendingTimers).toBe(1);
    await backend.leaseRevoke({ id: a.id });
    expect(clock.pendingTimers).toBe(1);
    await backend.leaseRevoke({ id: b.id });
    expect(clock.pendingTimers).toBe(0);
    await backend.close();
  });
});

describe('memory lease timers', () => {
  it('a TTL longer than a Node timer can wait (2^31 − 1 ms) still expires at its deadline', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const recording = {
      now: () => clock.now(),
      setTimeout: (callback: () => void, ms: number) => {
        delays.push(ms);
        return clock.setTimeout(callback, ms);
      },
    };
    const backend = new MemoryBackend({ clock: recording, minLeaseTtl: 1, seed: 1 });
    const ttl = 60 * 86_400; // 60 days
    const lease = await backend.leaseGrant({ ttl });
    await backend.put({ key: 'k', lease: lease.id });
    clock.advance(30 * 86_400_000);
    expect((await backend.range({ key: 'k' })).count).toBe(1);
    clock.advance(30 * 86_400_000 - 1);
    expect((await backend.range({ key: 'k' })).count).toBe(1);
    clock.advance(1);
    expect((await backend.leaseTimeToLive({ id: lease.id })).ttl).toBe(-1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(delays.length).toBeGreaterThan(2);
    await backend.close();
  });
});
