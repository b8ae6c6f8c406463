/** Process faults on the memory store: a paused client, a restarted server, a frozen server. */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { DeadlineExceededError, UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import { type LeaseLostError, Mutex, Session } from '../../src/recipes/index.js';
import { faultStore, pass, settle } from './helpers.js';

describe('paused client (SIGSTOP)', () => {
  it('the holder wakes up after its lease expired: its session ends, its guarded write fails, the other holds', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    const b = store.connect({ name: 'b' });
    const sa = await Session.create(a, { ttl: 2 });
    const sb = await Session.create(b, { ttl: 2 });
    const ma = await new Mutex(sa, 'lock').lock();
    const waiting = new Mutex(sb, 'lock').lock();
    store.faults.pause('a');
    const mb = (await settle(clock, waiting)).ok; // a's lease expired on the store's clock
    expect(mb).toBe(true);
    expect(sa.alive).toBe(true); // a knows nothing yet: its timers are stopped
    expect(ma.held).toBe(true);
    const lockedAt = clock.now();
    await pass(clock, 5_000);
    store.faults.resume('a');
    // Its overdue deadline timer fires first: the session is lost at once.
    expect(sa.alive).toBe(false);
    expect((sa.done.reason as LeaseLostError).reason).toBe('unreachable');
    expect(ma.held).toBe(false);
    const write = await ma.guardedTxn([{ requestPut: { key: 'guarded', value: 'a' } }]);
    expect(write.succeeded).toBe(false);
    expect(clock.now()).toBeGreaterThan(lockedAt);
    await sb.close();
  });

  it("a paused client's requests and replies wait; time on the store runs on", async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.pause('a');
    const put = a.put({ key: 'k', value: 'v' });
    await pass(clock, 10_000);
    expect(store.revision).toBe(1); // not sent
    expect(a.clock.now()).toBe(10_000); // reads the current time when it looks
    store.faults.resume('a');
    const r = await settle(clock, put);
    expect(r.ok).toBe(true);
    expect(r.at).toBe(10_000);
  });
});

describe('server restart', () => {
  it('connections drop, calls fail while down, leases keep their IDs at full TTL, watchers resume', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    const lease = await a.leaseGrant({ ttl: 2 });
    await a.put({ key: 'k', value: '1', lease: lease.id });
    const watcher = a.watch({ key: 'k' });
    await watcher.created;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of watcher) {
        for (const e of r.events) seen.push(`${e.type}:${toText(e.kv.value)}`);
        if (seen.includes('PUT:3')) return;
      }
    })();
    store.faults.latency('a', 100);
    const inFlight = a.put({ key: 'k', value: '2' });
    await pass(clock, 10);
    store.faults.restart({ downMs: 5_000, inFlight: 'lost' });
    expect(store.faults.serverDown).toBe(true);
    const cut = await settle(clock, inFlight);
    expect(!cut.ok && cut.error).toBeInstanceOf(UnknownOutcomeError);
    const down = await settle(clock, a.range({ key: 'k' }));
    expect(!down.ok && down.error).toBeInstanceOf(UnavailableError);
    const ka = await settle(clock, a.leaseKeepAlive({ id: lease.id }));
    expect(!ka.ok && ka.error).toBeInstanceOf(UnavailableError);
    await pass(clock, 5_000); // down longer than the TTL: nothing expires while the server is down
    expect(store.faults.serverDown).toBe(false);
    store.faults.clear('a');
    const ttl = await a.leaseTimeToLive({ id: lease.id });
    expect(ttl.grantedTtl).toBe(2);
    expect(ttl.ttl).toBeGreaterThanOrEqual(1);
    expect((await a.leaseKeepAlive({ id: lease.id })).ttl).toBe(2);
    await a.put({ key: 'k', value: '3' });
    await settle(clock, reading);
    expect(seen).toEqual(['PUT:3']); // the lost write never happened; the watcher resumed
  });
});

describe('server freeze (SIGSTOP of etcd)', () => {
  it('requests wait unanswered; a timed-out write may still apply on thaw; leases past their TTL expire at thaw', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', requestTimeoutMs: 1_000 });
    const lease = await a.leaseGrant({ ttl: 2 });
    await a.put({ key: 'leased', value: 'v', lease: lease.id });
    store.faults.freeze();
    const write = await settle(clock, a.put({ key: 'x', value: '1' }));
    expect(!write.ok && write.error).toBeInstanceOf(UnknownOutcomeError);
    expect(write.at).toBe(1_000);
    const read = await settle(clock, a.range({ key: 'x' }));
    expect(!read.ok && read.error).toBeInstanceOf(DeadlineExceededError);
    const ka = await settle(clock, a.leaseKeepAlive({ id: lease.id }));
    expect(!ka.ok && ka.error).toBeInstanceOf(DeadlineExceededError);
    await pass(clock, 1_000);
    expect(store.revision).toBe(2); // nothing applied, nothing expired
    const late = a.leaseKeepAlive({ id: lease.id });
    store.faults.thaw({ abandoned: 'applied' });
    expect((await settle(clock, late)).ok && (await late).ttl).toBe(0); // expired before it was renewed
    expect((await a.range({ key: 'x' })).count).toBe(1);
    expect((await a.range({ key: 'leased' })).count).toBe(0);
  });

  it('thaw({ abandoned }): a request whose caller gave up is applied or dropped as told', async () => {
    for (const abandoned of ['applied', 'lost'] as const) {
      const { clock, store } = faultStore();
      const a = store.connect({ name: 'a', requestTimeoutMs: 1_000 });
      store.faults.freeze();
      const gaveUp = await settle(clock, a.put({ key: 'x', value: '1' }));
      expect(!gaveUp.ok && gaveUp.error).toBeInstanceOf(UnknownOutcomeError);
      const waiting = a.put({ key: 'y', value: '1' });
      await pass(clock, 500);
      store.faults.thaw({ abandoned });
      expect((await settle(clock, waiting)).ok).toBe(true); // still awaited: always applied
      expect((await a.range({ key: 'x' })).count).toBe(abandoned === 'applied' ? 1 : 0);
      expect(store.faults.clients()[0]!.inFlight).toBe(0);
    }
  });

  it('a watch created on a frozen server is answered once it thaws', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.freeze();
    const watcher = a.watch({ key: 'k' });
    let created = false;
    void watcher.created.then(() => {
      created = true;
    });
    await pass(clock, 1_000);
    expect(created).toBe(false);
    store.faults.thaw();
    expect((await settle(clock, watcher.created)).ok).toBe(true);
    await watcher.cancel();
  });

  it('a session on a frozen server ends "unreachable" at its TTL', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', requestTimeoutMs: 1_000 });
    const session = await Session.create(a, { ttl: 2 });
    store.faults.freeze();
    const ended = await settle(clock, session.finished);
    expect(ended.ok && (ended.value as LeaseLostError).reason).toBe('unreachable');
    store.faults.thaw();
  });
});
