/**
 * etcd's Lock service (v3lockpb) inside the server: a Mutex of etcd 3.4's concurrency package run for
 * the caller, on the caller's lease, with the caller's credentials. Unlike the Mutex recipe it holds no
 * session: etcd orphans the session at once, so the lock lives exactly as long as the lease the caller
 * keeps alive (a request without a lease gets a fresh 60 s lease nobody renews, as on etcd).
 */

import type { RangeResponse, ResponseHeader } from '../../interface/kv.js';
import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import type { MemoryCallOptions } from '../../memory-backend/options.js';
import { firstCreate, rangeAt } from '../../recipes/internal.js';
import { waitDeletes } from '../../recipes/wait-deletes.js';
import { type Caller, leaseKey, namePrefix, sessionLease } from './caller.js';

/** etcd's concurrency.ErrSessionExpired: the caller's lease ended while it waited for the lock. */
export const SESSION_EXPIRED = 'mutex: session is expired';

/** What Lock answers: the lock's key (exists while held) and the header of the read that confirmed it. */
export interface LockResult {
  header: ResponseHeader;
  key: Uint8Array;
}

/**
 * Acquire the lock `name` for `lease`, waiting for every earlier contender. A second Lock with the same
 * lease is the same acquisition. If the wait ends (the caller gave up), the contender's key is deleted.
 * With `checkSession` (etcd 3.5 on) a lease that ended during the wait is reported as
 * {@link SESSION_EXPIRED}; without it (etcd 3.4) the lock is answered as acquired, its key already gone.
 */
export async function lock(
  caller: Caller,
  name: Uint8Array,
  lease: bigint,
  checkSession: boolean,
): Promise<LockResult> {
  const { client, as } = caller;
  const id = await sessionLease(caller, lease);
  const pfx = namePrefix(name);
  const key = leaseKey(pfx, id);
  const owner = { requestRange: firstCreate(pfx) };
  const resp = await client.txn(
    {
      compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
      success: [{ requestPut: { key, value: new Uint8Array(0), lease: id } }, owner],
      failure: [{ requestRange: { key } }, owner],
    },
    as,
  );
  // Not created now: the key exists already (the same lease locked before), with its own create revision.
  const myRev = resp.succeeded
    ? resp.header.revision
    : (rangeAt(resp, 0)?.kvs[0]?.createRevision ?? resp.header.revision);
  const first = rangeAt(resp, 1)?.kvs[0];
  if (first === undefined || first.createRevision === myRev) return { header: resp.header, key };
  const { signal, ...credentials } = as;
  let header: ResponseHeader;
  try {
    header = await waitDeletes(client, pfx, myRev - 1, signal, credentials);
    if (checkSession) header = (await confirm(client, key, as)).header;
  } catch (error) {
    // Go's Mutex removes its key once the wait fails, through the embedded client: also when the
    // caller's connection is gone.
    if (!(error instanceof SessionExpired)) await removeKey(caller, key);
    throw error;
  }
  return { header, key };
}

/** Thrown (and answered with etcd's text) when the key is gone after the wait: nothing is left to remove. */
class SessionExpired extends Error {
  constructor() {
    super(SESSION_EXPIRED);
  }
}

/** Read the contender's key after its wait; gone means its lease ended meanwhile. */
async function confirm(
  client: MemoryBackend,
  key: Uint8Array,
  as: MemoryCallOptions,
): Promise<RangeResponse> {
  const got = await client.range({ key }, as);
  if (got.kvs.length === 0) throw new SessionExpired();
  return got;
}

/** Release a lock by deleting its key (a key that is gone already is not an error). */
export async function unlock(caller: Caller, key: Uint8Array): Promise<ResponseHeader> {
  return (await caller.client.deleteRange({ key }, caller.as)).header;
}

/** Delete `key` through the embedded client, as etcd cleans up after a caller that gave up. */
async function removeKey(caller: Caller, key: Uint8Array): Promise<void> {
  await caller.embedded((c) => c.deleteRange({ key })).catch(() => {});
}
