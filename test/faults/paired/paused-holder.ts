/** What a lock holder sees once it runs again (shared by the paused-client test and its child process). */

import type { Mutex, Session } from '../../../src/recipes/index.js';
import { LeaseLostError } from '../../../src/recipes/index.js';

/** The holder's view after waking up. */
export interface HolderReport {
  /** Why its session ended ("unreachable", "expired"), or "alive". */
  session: string;
  /** Its session ended before the process was continued (a stopped process cannot notice anything). */
  endedWhileStopped: boolean;
  /** It still believes it holds the lock. */
  held: boolean;
  /** Its write guarded by the lock's ownership compare succeeded. */
  guardedWrite: boolean;
}

/** A lock holder that can report; `now` reads the holder's clock. */
export interface Holder {
  report(continuedAt: number): Promise<HolderReport>;
}

/** Watch `session` end (time by `now`) and report on demand. */
export function holder(session: Session, mutex: Mutex, now: () => number): Holder {
  let endedAt = Number.POSITIVE_INFINITY;
  session.done.addEventListener('abort', () => {
    endedAt = now();
  });
  return {
    async report(continuedAt) {
      const reason = session.done.reason;
      const write = await mutex.guardedTxn([{ requestPut: { key: 'ph/guarded', value: 'stale holder' } }]);
      return {
        session: session.alive ? 'alive' : reason instanceof LeaseLostError ? reason.reason : String(reason),
        endedWhileStopped: endedAt < continuedAt,
        held: mutex.held,
        guardedWrite: write.succeeded,
      };
    },
  };
}
