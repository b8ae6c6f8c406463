/**
 * etcd's Election service (v3electionpb) inside the server: an Election of etcd 3.4's concurrency package
 * run for the caller, on the caller's lease, with the caller's credentials. A campaigner puts
 * `name/<leaseHex>`; the key with the lowest create revision leads. As on etcd, a request without a lease
 * gets a fresh 60 s lease that nobody renews (Proclaim and Resign too: they resume the election on a new
 * session of that lease).
 */

import { bytesEqual, prefixRange } from '../../common/bytes.js';
import { EtcdError } from '../../interface/errors.js';
import type { KeyValue, ResponseHeader } from '../../interface/kv.js';
import { firstCreate, rangeAt } from '../../recipes/internal.js';
import { waitDeletes } from '../../recipes/wait-deletes.js';
import { type Caller, leaseKey, namePrefix, sessionLease } from './caller.js';

/** concurrency.ErrElectionNotLeader: the leader key named is not (or no longer) the one that leads. */
export const NOT_LEADER = 'election: not leader';
/** concurrency.ErrElectionNoLeader: nobody campaigns on the election. */
export const NO_LEADER = 'election: no leader';
/** v3election.ErrMissingLeaderKey: Proclaim or Resign without its `leader` field. */
export const MISSING_LEADER_KEY = '"leader" field must be provided';

/** A leadership: the election, the leader's key, its create revision and lease (v3electionpb.LeaderKey). */
export interface LeaderKey {
  name: Uint8Array;
  key: Uint8Array;
  rev: number;
  lease: bigint;
}

/** A response carrying the leader's key-value (Leader, and each message of Observe). */
export interface LeaderResult {
  header: ResponseHeader;
  kv: KeyValue;
}

/**
 * Campaign on `name` with `value` until this lease leads. A campaigner already in the election (same
 * lease) keeps its place and proclaims `value` if it differs. The header is the one of the first write,
 * as etcd answers it. If the caller gives up while waiting, the campaign key is deleted.
 */
export async function campaign(
  caller: Caller,
  name: Uint8Array,
  lease: bigint,
  value: Uint8Array,
): Promise<{ header: ResponseHeader; leader: LeaderKey }> {
  const { client, as } = caller;
  const id = await sessionLease(caller, lease);
  const pfx = namePrefix(name);
  const key = leaseKey(pfx, id);
  const resp = await client.txn(
    {
      compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
      success: [{ requestPut: { key, value, lease: id } }],
      failure: [{ requestRange: { key } }],
    },
    as,
  );
  let rev = resp.header.revision;
  if (!resp.succeeded) {
    const kv = rangeAt(resp, 0)?.kvs[0];
    if (kv !== undefined) {
      rev = kv.createRevision;
      if (!bytesEqual(kv.value, value)) {
        try {
          await proclaim(caller, { name, key, rev, lease: id }, value);
        } catch (error) {
          await resign(caller, { name, key, rev, lease: id }).catch(() => {});
          throw error;
        }
      }
    }
  }
  const { signal, ...credentials } = as;
  try {
    await waitDeletes(client, pfx, rev - 1, signal, credentials);
  } catch (error) {
    // Go resigns only when its context ended (through the embedded client: also when the caller's
    // connection is gone); any other failure leaves the key to its lease.
    if (signal?.aborted) {
      const leadership = { name, key, rev, lease: id };
      await caller.embedded((c) => resign({ ...caller, client: c, as: {} }, leadership)).catch(() => {});
    }
    throw error;
  }
  return { header: resp.header, leader: { name, key, rev, lease: id } };
}

/** Put `value` on the leader's key, if it still leads (its key has the same create revision). */
export async function proclaim(
  caller: Caller,
  leader: LeaderKey,
  value: Uint8Array,
): Promise<ResponseHeader> {
  const id = await sessionLease(caller, leader.lease);
  const resp = await caller.client.txn(
    {
      compare: [{ key: leader.key, target: 'CREATE', result: 'EQUAL', createRevision: leader.rev }],
      success: [{ requestPut: { key: leader.key, value, lease: id } }],
    },
    caller.as,
  );
  if (!resp.succeeded) throw new Error(NOT_LEADER);
  return resp.header;
}

/** Delete the leader's key if it still leads; resigning a leadership already lost is not an error. */
export async function resign(caller: Caller, leader: LeaderKey): Promise<ResponseHeader> {
  await sessionLease(caller, leader.lease);
  const resp = await caller.client.txn(
    {
      compare: [{ key: leader.key, target: 'CREATE', result: 'EQUAL', createRevision: leader.rev }],
      success: [{ requestDeleteRange: { key: leader.key } }],
    },
    caller.as,
  );
  return resp.header;
}

/** The current leader's key-value (the key with the lowest create revision). */
export async function leader(caller: Caller, name: Uint8Array): Promise<LeaderResult> {
  const resp = await caller.client.range(firstCreate(namePrefix(name)), caller.as);
  const kv = resp.kvs[0];
  if (kv === undefined) throw new Error(NO_LEADER);
  return { header: resp.header, kv };
}

/**
 * The leader's value now and each time it changes: every proclamation of the current leader, then the
 * next leader once its key is deleted, in order. Like etcd it ends quietly (no error) when a read or a
 * watch fails, and it does not replay history: a leader that came and went between reads is not seen.
 */
export async function* observe(caller: Caller, name: Uint8Array): AsyncGenerator<LeaderResult> {
  const { client, as } = caller;
  const pfx = namePrefix(name);
  const { signal } = as;
  try {
    for (;;) {
      const resp = await client.range(firstCreate(pfx), as);
      let current: LeaderResult | undefined =
        resp.kvs[0] === undefined ? undefined : { header: resp.header, kv: resp.kvs[0] };
      if (current === undefined) {
        // Nobody leads: wait for the first put under the prefix (a delete would make this spin).
        const watcher = client.watch({ ...prefixRange(pfx), startRevision: resp.header.revision }, as);
        try {
          for await (const wr of watcher) {
            const put = wr.events.find((e) => e.type === 'PUT');
            if (put !== undefined) {
              current = { header: { ...wr.header, revision: put.kv.modRevision }, kv: put.kv };
              break;
            }
          }
        } finally {
          await watcher.cancel();
        }
        if (current === undefined) return;
      }
      yield current;
      // Every change of this leader's key, until it is deleted.
      const watcher = client.watch({ key: current.kv.key, startRevision: current.header.revision + 1 }, as);
      let deleted = false;
      try {
        for await (const wr of watcher) {
          for (const ev of wr.events) {
            if (ev.type === 'DELETE') {
              deleted = true;
              break;
            }
            yield { header: wr.header, kv: ev.kv };
          }
          if (deleted) break;
        }
      } finally {
        await watcher.cancel();
      }
      if (!deleted) return;
    }
  } catch (error) {
    // etcd's observer closes its channel when a read or watch fails, and the stream ends without an error.
    if (signal?.aborted || error instanceof EtcdError) return;
    throw error;
  }
}
