/** Compaction: what the store keeps (semantics §6), checked on the store itself and through the API. */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { CompactedError, FutureRevisionError } from '../../src/interface/errors.js';
import type { KeyRev } from '../../src/memory-backend/key-rev.js';
import { MvccStore } from '../../src/memory-backend/mvcc-store.js';
import { WriteView } from '../../src/memory-backend/write-view.js';
import { eventsOf, Reader, rev, setup } from './helpers.js';

function put(store: MvccStore, key: string, value: string): void {
  const view = new WriteView(store);
  view.put(key, value, 0n, view.head(key));
  store.commit(view.changes);
}

function del(store: MvccStore, key: string): void {
  const view = new WriteView(store);
  view.delete({ start: key, end: undefined });
  store.commit(view.changes);
}

function chain(store: MvccStore, key: string): string[] {
  const out: string[] = [];
  for (let r: KeyRev | undefined = store.head(key); r; r = r.prev)
    out.push(`${r.create === 0 ? 'T' : r.value}@${r.mod}`);
  return out;
}

describe('memory compaction internals', () => {
  it('keeps every version above C, the newest at or below C of live keys, and a tombstone made at C', () => {
    const s = new MvccStore();
    put(s, 'a', 'a1'); // 2
    put(s, 'a', 'a2'); // 3
    put(s, 'b', 'b1'); // 4
    del(s, 'b'); // 5
    put(s, 'c', 'c1'); // 6
    del(s, 'c'); // 7
    put(s, 'a', 'a3'); // 8
    put(s, 'd', 'd1'); // 9
    del(s, 'd'); // 10
    put(s, 'd', 'd2'); // 11
    s.compact(7);
    expect(chain(s, 'a')).toEqual(['a3@8', 'a2@3']);
    expect(s.has('b')).toBe(false);
    expect(chain(s, 'c')).toEqual(['T@7']);
    expect(chain(s, 'd')).toEqual(['d2@11', 'T@10', 'd1@9']);
    expect(s.keyCount).toBe(3);
    expect(s.logAt(s.logBase).mod).toBe(7);
    expect(s.logEnd - s.logBase).toBe(5);
    s.compact(11);
    expect(chain(s, 'c')).toEqual([]);
    expect(chain(s, 'd')).toEqual(['d2@11']);
    expect(chain(s, 'a')).toEqual(['a3@8']);
  });

  it('frees the history: after compacting at the head each key keeps one version', () => {
    const s = new MvccStore();
    for (let v = 0; v < 10; v++) for (let i = 0; i < 100; i++) put(s, `k${i}`, `v${v}`);
    const before = s.bytes;
    s.compact(s.rev);
    for (let i = 0; i < 100; i++) expect(chain(s, `k${i}`)).toEqual([`v9@${s.rev - 99 + i}`]);
    expect(s.bytes).toBeLessThan(before / 5);
    expect(s.logEnd - s.logBase).toBe(1);
  });
});

describe('memory compaction through the API', () => {
  it('reads at every revision in [C, R] are unchanged; C − 1 fails; compact(C) again fails', async () => {
    const { backend } = setup();
    for (let i = 0; i < 20; i++) {
      if (i % 3 === 2) await backend.deleteRange({ key: `k${i % 5}` });
      else await backend.put({ key: `k${i % 5}`, value: String(i) });
    }
    const r = await rev(backend);
    const snapshot = async (at: number): Promise<string> =>
      JSON.stringify(
        (await backend.range({ key: '\0', rangeEnd: '\0', revision: at })).kvs.map((kv) => [
          toText(kv.key),
          toText(kv.value),
          kv.createRevision,
          kv.modRevision,
          kv.version,
        ]),
      );
    const c = 12;
    const before: string[] = [];
    for (let at = c; at <= r; at++) before.push(await snapshot(at));
    await backend.compact({ revision: c });
    for (let at = c; at <= r; at++) expect(await snapshot(at)).toBe(before[at - c]);
    await expect(backend.range({ key: 'k1', revision: c - 1 })).rejects.toBeInstanceOf(CompactedError);
    await expect(backend.compact({ revision: c })).rejects.toBeInstanceOf(CompactedError);
    await expect(backend.compact({ revision: r + 1 })).rejects.toBeInstanceOf(FutureRevisionError);
    await backend.close();
  });

  it('a watch from C sees a delete made at C', async () => {
    const { backend } = setup();
    await backend.put({ key: 'k', value: '1' });
    const d = await backend.deleteRange({ key: 'k' });
    await backend.put({ key: 'k', value: '2' });
    const c = d.header.revision;
    await backend.compact({ revision: c });
    const stream = backend.watchStream();
    stream.create({ key: 'k', startRevision: c });
    expect(eventsOf(await new Reader(stream).take())).toEqual([`DELETE k@${c}`, `PUT k@${c + 1}`]);
    await backend.close();
  });

  it('compact(0) and compact(1) on a fresh store; a second compact(0) fails', async () => {
    const a = setup().backend;
    await a.compact({ revision: 0 });
    await expect(a.compact({ revision: 0 })).rejects.toBeInstanceOf(CompactedError);
    await a.compact({ revision: 1 });
    const b = setup().backend;
    await b.compact({ revision: 1 });
    await a.close();
    await b.close();
  });

  it('compaction shrinks dbSizeInUse; dbSize follows only on defragment, as a bolt file does', async () => {
    const { backend } = setup();
    for (let i = 0; i < 200; i++) await backend.put({ key: 'k', value: 'x'.repeat(100) });
    const before = await backend.status();
    expect(before.dbSizeInUse).toBe(before.dbSize);
    await backend.compact({ revision: await rev(backend) });
    const compacted = await backend.status();
    expect(compacted.dbSizeInUse).toBeLessThan(before.dbSizeInUse / 50);
    expect(compacted.dbSize).toBe(before.dbSize);
    await backend.defragment();
    const defragmented = await backend.status();
    expect(defragmented.dbSize).toBe(compacted.dbSizeInUse);
    expect(defragmented.dbSizeInUse).toBe(compacted.dbSizeInUse);
    await backend.close();
  });
});
