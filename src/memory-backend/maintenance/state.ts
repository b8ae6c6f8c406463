/**
 * Taking a store's whole state as a snapshot, and loading one or a fixture into a new store. The store
 * hands in its parts; nothing here is reachable from outside the store.
 */

import type { Clock } from '../../interface/clock.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import { KeyRev } from '../key-rev.js';
import { storeString, toBytesOut } from '../keys.js';
import type { Lessor } from '../lessor.js';
import type { MvccStore } from '../mvcc-store.js';
import { WriteView } from '../write-view.js';
import type { Alarms } from './alarms.js';
import { type Fixture, fixtureText } from './fixture.js';
import type { SnapshotState } from './snapshot.js';

/** The parts of a store its state lives in. */
export interface StateParts {
  readonly mvcc: MvccStore;
  readonly lessor: Lessor;
  readonly alarms: Alarms;
  readonly clock: Clock;
}

/** The store's state now. */
export function captureState(p: StateParts): SnapshotState {
  const versions = [...p.mvcc.versions()].sort((a, b) => a.mod - b.mod || a.sub - b.sub);
  const now = p.clock.now();
  return {
    revision: p.mvcc.rev,
    compactRevision: p.mvcc.compactRev,
    versions,
    leases: [...p.lessor.all()].map((l) => ({
      id: l.id,
      ttl: l.ttl,
      remainingMs: Math.round(l.expiry - now),
    })),
    alarms: p.alarms.all(),
  };
}

/** Load `state` into a new, empty store's parts. Leases are attached to the live keys that name them. */
export function restoreState(p: StateParts, state: SnapshotState): void {
  const leases = new Map(state.leases.map((l) => [l.id, p.lessor.restore(l.id, l.ttl, l.remainingMs)]));
  const versions = state.versions.map((v) => {
    const r = new KeyRev(v.key, v.mod, v.create, v.version, v.lease, v.value, undefined);
    r.sub = v.sub;
    return r;
  });
  p.mvcc.restore(versions, state.revision, state.compactRevision);
  for (const head of p.mvcc.heads()) {
    if (head.create === 0 || head.lease === 0n) continue;
    const lease = leases.get(head.lease);
    if (lease === undefined) {
      throw new InvalidArgumentError(
        `not a valid etcd-kv-kit snapshot: key ${JSON.stringify(head.key)} is attached to lease ${head.lease}, which it does not hold`,
      );
    }
    lease.keys.add(head.key);
  }
  p.alarms.restore(state.alarms);
}

/** A view putting every fixture key (in byte order) at the next revision, for the store to commit. */
export function fixtureView(mvcc: MvccStore, fixture: Fixture): WriteView {
  const view = new WriteView(mvcc);
  const keys = Object.keys(fixture).map((k) => [storeString('fixture key', k), k] as const);
  keys.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, original] of keys) {
    view.put(key, storeString('fixture value', fixture[original]!), 0n, view.head(key));
  }
  return view;
}

/** The live keys now, as a fixture; throws when a key or value is not UTF-8 text. */
export function captureFixture(mvcc: MvccStore): Fixture {
  const out: Fixture = Object.create(null) as Fixture; // a key may be "__proto__"
  for (const head of mvcc.heads()) {
    if (head.create === 0) continue;
    const key = toBytesOut(head.key);
    out[fixtureText(key, key, 'key')] = fixtureText(toBytesOut(head.value), key, 'value');
  }
  return out;
}
