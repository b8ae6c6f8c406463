/** The watcher index: a commit reaches exactly the watchers whose key or range contains a changed key. */

import { describe, expect, it } from 'vitest';
import { KeyRev } from '../../src/memory-backend/key-rev.js';
import { KEY_INFINITY, type KeyRange } from '../../src/memory-backend/keys.js';
import { type HubWatcher, WatchHub } from '../../src/memory-backend/watch-hub.js';

function watcher(range: KeyRange, calls: string[], name: string): HubWatcher {
  return { range, onChange: (pos, change) => calls.push(`${name}:${change.key}@${pos}`) };
}

describe('memory watch hub', () => {
  it('wakes exact-key watchers of the changed key and range watchers containing it, nobody else', () => {
    const hub = new WatchHub();
    const calls: string[] = [];
    for (let i = 0; i < 1000; i++) hub.add(watcher({ start: `other/${i}`, end: undefined }, calls, `o${i}`));
    hub.add(watcher({ start: 'k', end: undefined }, calls, 'exact'));
    hub.add(watcher({ start: 'k', end: 'l' }, calls, 'prefix1'));
    hub.add(watcher({ start: 'k', end: 'l' }, calls, 'prefix2'));
    hub.add(watcher({ start: 'a', end: KEY_INFINITY }, calls, 'fromA'));
    hub.add(watcher({ start: 'x', end: KEY_INFINITY }, calls, 'fromX'));
    hub.add(watcher({ start: 'm', end: 'b' }, calls, 'inverted'));
    const change = (key: string): KeyRev => new KeyRev(key, 5, 5, 1, 0n, 'v', undefined);
    hub.notify([change('k'), change('kz')], 10);
    expect(calls.sort()).toEqual(
      [
        'exact:k@10',
        'prefix1:k@10',
        'prefix2:k@10',
        'fromA:k@10',
        'prefix1:kz@11',
        'prefix2:kz@11',
        'fromA:kz@11',
      ].sort(),
    );
  });

  it('forgets removed watchers', () => {
    const hub = new WatchHub();
    const calls: string[] = [];
    const a = watcher({ start: 'k', end: undefined }, calls, 'a');
    const b = watcher({ start: 'k', end: 'l' }, calls, 'b');
    hub.add(a);
    hub.add(b);
    hub.remove(a);
    hub.remove(b);
    hub.notify([new KeyRev('k', 2, 2, 1, 0n, 'v', undefined)], 0);
    expect(calls).toEqual([]);
  });
});
