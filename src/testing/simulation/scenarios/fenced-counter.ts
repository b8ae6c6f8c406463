/**
 * A counter that lock holders increment with guarded writes (read, then put value + 1 only while the
 * lock is held), and the invariant that shows two writers at once: no acknowledged increment is lost,
 * and the counter never exceeds what was acknowledged, of unknown outcome, or in flight. The writers keep
 * the counts themselves, around their own awaits: an extra await here would change the interleaving a
 * seed produces, and so every schedule an older seed replays.
 */

import { toText } from '../../../common/bytes.js';
import type { RangeResponse } from '../../../interface/kv.js';
import type { MemoryStore } from '../../../memory-backend/store.js';

/** The counter at `key` and what its writers were told. */
export class FencedCounter {
  /** Increments applied and acknowledged. */
  acked = 0;
  /** Increments whose outcome the writer could not learn. */
  unknown = 0;
  /** Increments sent and not yet answered. */
  pending = 0;
  #checked = '';

  constructor(readonly key: string) {}

  /** The counter's value in a read of its key (0 before the first increment). */
  valueIn(read: RangeResponse): number {
    const kv = read.kvs[0];
    return kv === undefined ? 0 : Number(toText(kv.value));
  }

  /** The invariant, on the store as it is now (skipped when nothing changed since the last check). */
  check(store: MemoryStore): void {
    const state = `${store.revision} ${this.acked} ${this.unknown} ${this.pending}`;
    if (state === this.#checked) return;
    this.#checked = state;
    const value = this.valueIn(store.range({ key: this.key }));
    const { acked, unknown, pending } = this;
    if (value < acked) throw new Error(`the counter is ${value}, but ${acked} increments were acknowledged`);
    if (value > acked + unknown + pending) {
      throw new Error(
        `the counter is ${value}: more than ${acked} acknowledged + ${unknown} unknown + ${pending} pending increments`,
      );
    }
  }
}
