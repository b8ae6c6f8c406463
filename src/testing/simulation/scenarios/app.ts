/**
 * What the scenarios' apps have in common: keeping a live session, retrying what faults refuse, and
 * reading the store's history in end checks (internal to the scenarios).
 */

import { prefixRange, toText } from '../../../common/bytes.js';
import { EtcdError, InvalidArgumentError } from '../../../interface/errors.js';
import type { KeyValue } from '../../../interface/kv.js';
import type { MemoryStore } from '../../../memory-backend/store.js';
import { Session } from '../../../recipes/session.js';
import type { ActorContext } from '../simulate.js';

/** True for the errors a faulty cluster makes (the app must live with them); anything else is a bug. */
export function isFaultError(error: unknown): boolean {
  return error instanceof EtcdError && !(error instanceof InvalidArgumentError);
}

/** `session` if it is alive; else a new one on the actor's client (a dead one is closed in the background). */
export async function liveSession(
  ctx: ActorContext,
  session: Session | undefined,
  ttl: number,
): Promise<Session> {
  if (session?.alive) return session;
  void session?.close().catch(() => {});
  return Session.create(ctx.backend, { ttl, signal: ctx.signal });
}

/**
 * Run `op` until it resolves, retrying after a fault error every 200–500 ms while `more()` is true.
 * Resolves `{ ok: false }` when it gave up; throws what is not a fault error (and AbortError at the end).
 */
export async function retrying<T>(
  ctx: ActorContext,
  op: () => Promise<T>,
  more: () => boolean,
): Promise<{ ok: true; value: T } | { ok: false }> {
  for (;;) {
    try {
      return { ok: true, value: await op() };
    } catch (error) {
      if (!isFaultError(error)) throw error;
      if (!more()) return { ok: false };
      await ctx.sleep(200 + Math.floor(ctx.random() * 300));
    }
  }
}

/** One key written at one revision (a put of the store's history). */
export interface Written {
  readonly key: string;
  readonly kv: KeyValue;
}

/**
 * Every put under `prefix` in the store's whole history (from revision 2), in revision order. Reads one
 * revision at a time: meant for end checks of runs of a few thousand revisions.
 */
export function putsUnder(store: MemoryStore, prefix: string): Written[] {
  const out: Written[] = [];
  for (let rev = 2; rev <= store.revision; rev++) {
    for (const kv of store.range({ ...prefixRange(prefix), revision: rev }).kvs) {
      if (kv.modRevision === rev) out.push({ key: toText(kv.key), kv });
    }
  }
  return out;
}
