/**
 * Failover of the etcd backend on a 3-member loopback cluster with etcd's default raft flags (issue 8):
 * steady put traffic, SIGKILL of the leader, then what a client must still see. The steps run in order on
 * one scenario (one cluster, one kill); each `it` asserts one property of it. Behaviour only: timeouts are
 * generous, and speed is measured in bench/suites/cluster-failover.ts.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixRange, toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import type { KvBackend } from '../../src/interface/backend.js';
import { DeadlineExceededError, UnknownOutcomeError } from '../../src/interface/errors.js';
import type { WatchEvent } from '../../src/interface/watch.js';
import { type EtcdCluster, type EtcdMember, startEtcdCluster } from '../../src/testing/etcd-cluster.js';
import { type PutTraffic, startPutTraffic, waitUntil } from './put-traffic.js';

/** Longer than the stall raw etcd3 shows (about 7 s), so a working keepalive must carry it across. */
const LEASE_TTL = 8;
/** Wait limit for anything that should happen within seconds. */
const GENEROUS_MS = 40_000;

/** Events one watcher delivered, and how its iteration ended. */
interface WatchLog {
  events: WatchEvent[];
  failure?: unknown;
}

/** Collect every event of a watcher on `prefix` from now on, in the background. */
async function collect(backend: KvBackend, prefix: string, signal: AbortSignal): Promise<WatchLog> {
  const log: WatchLog = { events: [] };
  const watcher = backend.watch(prefixRange(prefix), { signal });
  await watcher.created;
  void (async () => {
    try {
      for await (const res of watcher) log.events.push(...res.events);
    } catch (error) {
      log.failure = error;
    }
  })();
  return log;
}

describe('etcd backend on a 3-member cluster: SIGKILL of the leader under put traffic', () => {
  let cluster: EtcdCluster;
  let killed: EtcdMember;
  /** Traffic and the watch via a client whose first endpoint is the leader (its connections break). */
  let viaLeader: EtcdBackend;
  /** A second client whose first endpoint is a follower (its connections survive). */
  let viaFollower: EtcdBackend;
  let traffic: PutTraffic;
  /** Linearizable reads of one key through each client, alongside the puts. */
  const reads: { name: string; traffic: PutTraffic }[] = [];
  let killedAt = 0;
  /** Date.now() once traffic had resumed after the kill. */
  let resumedAt = 0;
  const stopWatches = new AbortController();
  const stopKeepAlive = new AbortController();
  const watchLogs: { name: string; log: WatchLog }[] = [];
  let leaseId = 0n;
  const keepAlives: { at: number; ttl?: number; error?: unknown }[] = [];
  let keepAliveLoop: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    cluster = await startEtcdCluster();
    killed = await cluster.leader();
    const others = cluster.members.filter((m) => m !== killed).map((m) => m.endpoint);
    const { memberId: leaderId } = await cluster.status(killed);
    // The backend talks to whichever endpoint connects first; make sure this client talks to the leader,
    // so that the kill breaks its connections (its watch and keepalive streams included).
    for (let attempt = 0; attempt < 20; attempt++) {
      viaLeader = new EtcdBackend({ endpoints: [killed.endpoint, ...others] });
      if (String((await viaLeader.status()).header.memberId) === leaderId) break;
      await viaLeader.close();
    }
    expect(String((await viaLeader.status()).header.memberId), 'client connected to the leader').toBe(
      leaderId,
    );
    viaFollower = new EtcdBackend({ endpoints: others });
  });

  afterAll(async () => {
    stopWatches.abort();
    stopKeepAlive.abort();
    await traffic?.stop();
    for (const r of reads) await r.traffic.stop();
    await keepAliveLoop;
    await viaLeader?.close();
    await viaFollower?.close();
    await cluster?.stop();
  });

  it('keeps serving puts on the survivors after the leader is killed', async () => {
    watchLogs.push({
      name: 'watch on the killed leader',
      log: await collect(viaLeader, 'traffic/', stopWatches.signal),
    });
    watchLogs.push({
      name: 'watch on a follower',
      log: await collect(viaFollower, 'traffic/', stopWatches.signal),
    });

    const lease = await viaLeader.leaseGrant({ ttl: LEASE_TTL });
    leaseId = lease.id;
    await viaLeader.put({ key: 'leased', value: 'x', lease: leaseId });
    keepAliveLoop = (async () => {
      const signal = stopKeepAlive.signal;
      while (!signal.aborted) {
        try {
          const res = await viaLeader.leaseKeepAlive({ id: leaseId }, { signal });
          keepAlives.push({ at: Date.now(), ttl: res.ttl });
        } catch (error) {
          keepAlives.push({ at: Date.now(), error });
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();

    traffic = startPutTraffic(
      async (key, value) => {
        const res = await viaLeader.put({ key, value });
        return { revision: res.header.revision, raftTerm: res.header.raftTerm };
      },
      { prefix: 'traffic/', workers: 4 },
    );
    await viaLeader.put({ key: 'probe', value: 'p' });
    for (const [name, client] of [
      ['via the leader', viaLeader],
      ['via a follower', viaFollower],
    ] as const) {
      const read = async () => {
        const res = await client.range({ key: 'probe' });
        return { revision: res.header.revision, raftTerm: res.header.raftTerm };
      };
      reads.push({ name, traffic: startPutTraffic(read, { prefix: 'unused/', workers: 2 }) });
    }
    const ok = () => traffic.records.filter((r) => r.outcome);
    await waitUntil(() => ok().length >= 200, GENEROUS_MS, '200 puts before the kill');

    killedAt = performance.now();
    await cluster.kill(killed);
    const okAfter = () => ok().filter((r) => r.start > killedAt);
    await waitUntil(() => okAfter().length >= 200, GENEROUS_MS, '200 successful puts started after the kill');
    resumedAt = Date.now();
    expect(okAfter().length).toBeGreaterThanOrEqual(200);
  });

  it('retries reads caught by the failover: a read fails only once its deadline has passed', async () => {
    const failures: string[] = [];
    let okAfterKill = 0;
    for (const { name, traffic: t } of reads) {
      await t.stop();
      for (const r of t.records) {
        if (r.outcome && r.start > killedAt) okAfterKill++;
        if (r.error && !(r.error instanceof DeadlineExceededError)) {
          const e = r.error as Error;
          const at = (r.start - killedAt).toFixed(0);
          failures.push(
            `${name}: ${e.constructor.name} "${e.message}" (sent ${at} ms after the kill, failed after ${(r.end - r.start).toFixed(0)} ms)`,
          );
        }
      }
    }
    expect(okAfterKill).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it(`keeps a lease (TTL ${LEASE_TTL} s) alive across the failover`, async () => {
    // Outlive the TTL after the failover: the new leader's lessor gives every lease a fresh TTL when it
    // takes over, so only keepalives that reach it can keep the lease past that.
    await new Promise((resolve) => setTimeout(resolve, (LEASE_TTL + 2) * 1000));
    const renewedLater = keepAlives.filter((k) => k.at > resumedAt && (k.ttl ?? 0) > 0);
    const ttl = await viaFollower.leaseTimeToLive({ id: leaseId });
    const held = await viaFollower.range({ key: 'leased' });
    expect(
      { ttlPositive: ttl.ttl > 0, keyKept: held.count, renewalsAfterFailover: renewedLater.length > 0 },
      `keepalive log: ${JSON.stringify(keepAlives.map((k) => ({ at: k.at - resumedAt, ttl: k.ttl, error: String(k.error ?? '') })))}`,
    ).toEqual({ ttlPositive: true, keyKept: 1, renewalsAfterFailover: true });
  });

  it('applied every put that succeeded exactly once, and none that failed with a definite error', async () => {
    await traffic.stop();
    stopKeepAlive.abort();
    await keepAliveLoop;
    const stored = await viaFollower.range(prefixRange('traffic/'));
    const byKey = new Map(stored.kvs.map((kv) => [toText(kv.key), kv]));
    const problems: string[] = [];
    const errorKinds = new Map<string, number>();
    for (const r of traffic.records) {
      const kv = byKey.get(r.key);
      if (r.outcome) {
        if (!kv) problems.push(`${r.key}: put succeeded at revision ${r.outcome.revision} but is missing`);
        else if (kv.modRevision !== r.outcome.revision || kv.version !== 1)
          problems.push(
            `${r.key}: put succeeded at ${r.outcome.revision}, store has mod ${kv.modRevision} v${kv.version}`,
          );
        continue;
      }
      const kind = (r.error as Error)?.constructor?.name ?? String(r.error);
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      if (r.error instanceof UnknownOutcomeError) {
        if (kv && (kv.version !== 1 || toText(kv.value) !== r.value))
          problems.push(`${r.key}: applied twice or wrong`);
      } else if (kv) {
        problems.push(
          `${r.key}: failed with ${kind} (${(r.error as Error)?.message}) but was applied at ${kv.modRevision}`,
        );
      }
    }
    const attempted = new Set(traffic.records.map((r) => r.key));
    for (const key of byKey.keys()) if (!attempted.has(key)) problems.push(`${key}: stored but never put`);
    const ok = traffic.records.filter((r) => r.outcome).length;
    console.info(`failover puts: ${ok} ok, failures by class: ${JSON.stringify([...errorKinds])}`);
    expect(problems, `errors seen: ${JSON.stringify([...errorKinds])}`).toEqual([]);
  });

  it('delivers every event exactly once and in order, on a watch opened before the kill', async () => {
    const stored = await viaFollower.range(prefixRange('traffic/'));
    const expected = stored.kvs
      .map((kv) => ({ key: toText(kv.key), rev: kv.modRevision }))
      .sort((a, b) => a.rev - b.rev);
    const last = expected.at(-1)?.rev ?? 0;
    for (const { name, log } of watchLogs) {
      await waitUntil(
        () => log.failure !== undefined || (log.events.at(-1)?.kv.modRevision ?? 0) >= last,
        GENEROUS_MS,
        `${name} to reach revision ${last} (has ${log.events.at(-1)?.kv.modRevision})`,
      );
      const seen = log.events.map((e) => ({ key: toText(e.kv.key), rev: e.kv.modRevision }));
      expect({ name, failure: String(log.failure ?? 'none') }).toEqual({ name, failure: 'none' });
      // Same events in the same order: nothing lost, nothing repeated (events for ≤ last only).
      expect(
        seen.filter((e) => e.rev <= last),
        name,
      ).toEqual(expected);
      expect(log.events.every((e) => e.type === 'PUT')).toBe(true);
    }
  });

  it('restarts the killed member, which catches up with the others', async () => {
    await cluster.restart(killed);
    const revision = await cluster.converged(GENEROUS_MS);
    const statuses = await Promise.all(cluster.members.map((m) => cluster.status(m)));
    expect(statuses.map((s) => s.revision)).toEqual([revision, revision, revision]);
    // It serves the last acknowledged write from its own store (a serializable read is answered locally).
    const lastOk = traffic.records.filter((r) => r.outcome).at(-1);
    const direct = new EtcdBackend({ endpoints: [killed.endpoint] });
    try {
      const res = await direct.range({ key: lastOk?.key ?? 'none', serializable: true });
      expect(res.kvs.map((kv) => toText(kv.value))).toEqual([lastOk?.value]);
    } finally {
      await direct.close();
    }
  });
});

/**
 * The leader-aware pool (issue 8): with a deadline far longer than a raft election (15 s), writes caught
 * by the leader's death must not wait it out. Writes in flight when the leader dies fail at once with
 * UnknownOutcomeError; writes started during the election are held, then sent to the new leader.
 */
describe('etcd backend on a 3-member cluster: writes during the loss of the leader', () => {
  /** Far above raft's election time and etcd's own request timeout (5 s + 2 × election = 7 s). */
  const REQUEST_TIMEOUT_MS = 15_000;
  /** "Well before the deadline", and below etcd's own 7 s request timeout that a forwarded write waits. */
  const WELL_BEFORE_MS = 5_000;
  let cluster: EtcdCluster;
  let killed: EtcdMember;
  let client: EtcdBackend;
  let traffic: PutTraffic | undefined;

  beforeAll(async () => {
    cluster = await startEtcdCluster();
    killed = await cluster.leader();
    const followers = cluster.members.filter((m) => m !== killed).map((m) => m.endpoint);
    // Followers first: a pool that is not leader-aware would send every write through a follower.
    client = new EtcdBackend({
      endpoints: [...followers, killed.endpoint],
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  });

  afterAll(async () => {
    await traffic?.stop();
    await client?.close();
    await cluster?.stop();
  });

  it('fails writes in flight at the kill with UnknownOutcomeError and holds later ones for the new leader', async () => {
    const t = startPutTraffic(
      async (key, value) => {
        const res = await client.put({ key, value });
        return { revision: res.header.revision, raftTerm: res.header.raftTerm };
      },
      { prefix: 'held/', workers: 4 },
    );
    traffic = t;
    const ok = () => t.records.filter((r) => r.outcome);
    await waitUntil(() => ok().length >= 200, GENEROUS_MS, '200 puts before the kill');
    const killedAt = performance.now();
    const inFlightAtKill = t.inFlight();
    await cluster.kill(killed);
    await waitUntil(
      () => ok().filter((r) => r.start > killedAt).length >= 100,
      GENEROUS_MS,
      '100 successful puts started after the kill',
    );
    await t.stop();

    const around = t.records.filter((r) => r.end > killedAt);
    const slow = around
      .filter((r) => r.end - r.start >= WELL_BEFORE_MS)
      .map((r) => `${r.key}: ${(r.end - r.start).toFixed(0)} ms, ${String(r.error ?? 'ok')}`);
    const failures = around.filter((r) => r.error);
    const notUnknown = failures
      .filter((r) => !(r.error instanceof UnknownOutcomeError))
      .map((r) => `${r.key}: ${(r.error as Error).constructor.name} ${(r.error as Error).message}`);
    const caught = t.records.filter((r) => r.start < killedAt && r.end > killedAt);
    expect({ inFlightAtKill: inFlightAtKill > 0, slow, notUnknown }).toEqual({
      inFlightAtKill: true,
      slow: [],
      notUnknown: [],
    });
    // Puts caught by the kill either were answered by the old leader or failed as UnknownOutcomeError.
    expect(caught.every((r) => r.outcome || r.error instanceof UnknownOutcomeError)).toBe(true);
    // Every acknowledged put is stored exactly as acknowledged; nothing failed is stored twice.
    const stored = await client.range(prefixRange('held/'));
    const byKey = new Map(stored.kvs.map((kv) => [toText(kv.key), kv]));
    const problems: string[] = [];
    for (const r of t.records) {
      const kv = byKey.get(r.key);
      if (r.outcome && (kv?.modRevision !== r.outcome.revision || kv.version !== 1))
        problems.push(`${r.key}: acknowledged at ${r.outcome.revision}, stored ${kv?.modRevision}`);
      if (r.error && kv && (kv.version !== 1 || toText(kv.value) !== r.value))
        problems.push(`${r.key}: failed but stored as v${kv.version} ${toText(kv.value)}`);
    }
    expect(problems).toEqual([]);
  });
});
