/** Bad input to the fault API: a typed error that says what was received, and nothing changed. */

import { describe, expect, it } from 'vitest';
import { ClosedError, InvalidArgumentError, LeaseNotFoundError } from '../../src/interface/errors.js';
import { faultStore } from './helpers.js';

describe('fault API bad input', () => {
  it('refuses, with typed errors, and changes nothing', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    const b = store.connect({ name: 'b' });
    const lease = await a.leaseGrant({ ttl: 5 });
    const before = JSON.stringify(store.faults.clients());
    const revision = store.revision;

    await b.close();
    expect(() => store.faults.partition('b')).toThrow(ClosedError);
    expect(() => store.faults.partition(['a', 'b'])).toThrow(ClosedError); // a is left as it was
    expect(() => store.faults.partition('nobody')).toThrow(/no client named "nobody" \(connected: a\)/);
    expect(() => store.faults.partition([])).toThrow(InvalidArgumentError);
    expect(() => store.faults.partition(42 as never)).toThrow(/received number 42/);
    expect(() => store.faults.partition('a', { inFlight: 'maybe' as never })).toThrow(InvalidArgumentError);

    expect(() => store.faults.expireLease(123n)).toThrow(LeaseNotFoundError);
    expect(() => store.faults.expireLease(5 as never)).toThrow(/bigint, received number 5/);

    expect(() => store.faults.latency('a', -5)).toThrow(/latency must be ms ≥ 0.*received number -5/);
    expect(() => store.faults.latency('a', { minMs: 50, maxMs: 10 })).toThrow(InvalidArgumentError);
    expect(() => store.faults.latency('a', Number.NaN)).toThrow(InvalidArgumentError);

    expect(() => store.faults.failNext('a', { error: 'disk on fire' as never })).toThrow(
      /error must be one of "leader changed", .*received "disk on fire"/,
    );
    expect(() => store.faults.failNext('a', { error: 'no leader', op: 'watch' as never })).toThrow(
      /op must be one of/,
    );
    expect(() => store.faults.failNext('a', { error: 'no leader', count: 0 })).toThrow(
      /count must be at least 1/,
    );
    expect(() => store.faults.loseReplies('a', { prefix: 7 as never })).toThrow(InvalidArgumentError);
    expect(() => store.faults.restart({ downMs: -1 })).toThrow(/downMs must be at least 0/);

    expect(JSON.stringify(store.faults.clients())).toBe(before.replace(/,\{"name":"b"[^}]*\}/, ''));
    expect(store.faults.serverDown).toBe(false);
    expect(store.revision).toBe(revision);
    expect((await a.leaseTimeToLive({ id: lease.id })).ttl).toBeGreaterThan(0);
    await a.put({ key: 'still', value: 'works' }); // no fault was left behind
  });

  it('restart while down and faults on a closed store are refused', async () => {
    const { store } = faultStore();
    store.connect({ name: 'a' });
    store.faults.restart({ downMs: 1_000 });
    expect(() => store.faults.restart()).toThrow(/already down/);
    expect(() => store.faults.freeze()).toThrow(/server is down/);
    await store.close();
    expect(() => store.faults.partition()).toThrow(ClosedError);
    expect(() => store.faults.expireLease(1n)).toThrow(ClosedError);
  });

  it('client names and timing options are checked', () => {
    const { store } = faultStore();
    expect(() => store.connect({ name: '' })).toThrow(/name must be a non-empty string/);
    expect(() => store.connect({ requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs must be at least 1/);
    expect(() => store.connect({ dialTimeoutMs: 1.5 })).toThrow(/dialTimeoutMs must be a safe integer/);
    expect(store.clientCount).toBe(0);
    expect(store.connect().name).toBe('client-1');
  });
});
