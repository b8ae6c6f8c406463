/**
 * The backend's index of watchers. Exact-key watchers are found by key; range watchers are grouped by
 * their range, so a commit checks each distinct range once (many watchers on one prefix cost one check)
 * and wakes only the watchers whose keys changed. Watchers then pull events from the store's log at
 * their own pace.
 */

import type { KeyRev } from './key-rev.js';
import { inRange, type KeyRange } from './keys.js';

/** What the hub needs from a watcher. */
export interface HubWatcher {
  readonly range: KeyRange;
  /** Called for each change in the watcher's range, with its log position. */
  onChange(pos: number, change: KeyRev): void;
}

/** Watchers sharing one range. */
interface RangeGroup {
  readonly range: KeyRange;
  readonly watchers: Set<HubWatcher>;
}

/** Watchers by the keys they watch. */
export class WatchHub {
  readonly #exact = new Map<string, Set<HubWatcher>>();
  /** Range watchers by `start + "\u0100" + end` (no stored key contains U+0100). */
  readonly #ranges = new Map<string, RangeGroup>();

  /** Start telling `w` about changes in its range. */
  add(w: HubWatcher): void {
    if (w.range.end !== undefined) {
      const id = `${w.range.start}\u0100${w.range.end}`;
      let group = this.#ranges.get(id);
      if (group === undefined) {
        group = { range: w.range, watchers: new Set() };
        this.#ranges.set(id, group);
      }
      group.watchers.add(w);
      return;
    }
    let set = this.#exact.get(w.range.start);
    if (set === undefined) {
      set = new Set();
      this.#exact.set(w.range.start, set);
    }
    set.add(w);
  }

  /** Stop telling `w`. */
  remove(w: HubWatcher): void {
    if (w.range.end !== undefined) {
      const id = `${w.range.start}\u0100${w.range.end}`;
      const group = this.#ranges.get(id);
      if (group === undefined) return;
      group.watchers.delete(w);
      if (group.watchers.size === 0) this.#ranges.delete(id);
      return;
    }
    const set = this.#exact.get(w.range.start);
    if (set === undefined) return;
    set.delete(w);
    if (set.size === 0) this.#exact.delete(w.range.start);
  }

  /** Tell the matching watchers about `changes`, committed from log position `firstPos`. */
  notify(changes: readonly KeyRev[], firstPos: number): void {
    if (this.#exact.size === 0 && this.#ranges.size === 0) return;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      const set = this.#exact.get(c.key);
      if (set !== undefined) for (const w of set) w.onChange(firstPos + i, c);
      for (const group of this.#ranges.values()) {
        if (inRange(group.range, c.key)) for (const w of group.watchers) w.onChange(firstPos + i, c);
      }
    }
  }
}
