/**
 * curl against the simulator's JSON gateway beside a real etcd 3.4.23's: the same requests, from fresh
 * servers, give the same HTTP status and the same JSON once the member's IDs, URLs and sizes are
 * normalized. The simulator runs as 3.4.23 so versions match.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { type CurlAnswer, curl } from './ops-clients.js';

let etcd: EtcdServer;
let server: RunningServer;

beforeAll(async () => {
  [etcd, server] = await Promise.all([startEtcd(), startServer({ etcdVersion: '3.4.23' })]);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
});

/** Fields whose values belong to one member or one db file. */
const MEMBER_FIELDS = new Set([
  'cluster_id',
  'member_id',
  'leader',
  'memberID',
  'raftIndex',
  'raftAppliedIndex',
  'dbSize',
  'dbSizeInUse',
  'hash',
  'peerURLs',
  'clientURLs',
  'name',
]);

function normalize(value: unknown, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalize(v, parent));
  if (typeof value === 'string') return value.replace(/^memberID:\d+ /, 'memberID:<member> ');
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (MEMBER_FIELDS.has(k) || (k === 'ID' && parent === 'members')) out[k] = '<member>';
    else out[k] = normalize(v, k);
  }
  return out;
}

/** An answer with its JSON lines normalized. */
function shape(a: CurlAnswer): { status: number; lines: unknown[] } {
  const lines = a.body
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return normalize(JSON.parse(l));
      } catch {
        return l;
      }
    });
  return { status: a.status, lines };
}

/** The same request on both; the answers must match. Returns the simulator's. */
async function same(path: string, body?: string, extra: string[] = []): Promise<CurlAnswer> {
  const [real, sim] = await Promise.all([
    curl(etcd.endpoint, path, body, extra),
    curl(server.endpoints[0]!, path, body, extra),
  ]);
  expect(shape(sim), `${path} ${body ?? ''}`).toEqual(shape(real));
  return sim;
}

describe('the JSON gateway beside etcd 3.4.23 (curl)', () => {
  it('KV, txn, compaction and their errors', async () => {
    await same('/v3/kv/put', '{"key":"Zm9v","value":"YmFy"}');
    await same('/v3/kv/put', '{"key":"Zm9v","value":"YmF6","prev_kv":true}');
    await same('/v3/kv/range', '{"key":"Zm9v"}');
    await same('/v3/kv/range', '{"key":"bm9uZQ=="}');
    await same(
      '/v3/kv/range',
      '{"key":"Zm9v","range_end":"Zm9w","sort_order":"DESCEND","sortTarget":2,"count_only":true}',
    );
    await same(
      '/v3/kv/txn',
      '{"compare":[{"key":"Zm9v","target":"VALUE","result":"EQUAL","value":"YmF6"}],"success":[{"request_put":{"key":"Zm9v","value":"cXV4"}}],"failure":[{"request_range":{"key":"Zm9v"}}]}',
    );
    await same(
      '/v3/kv/txn',
      '{"compare":[{"key":"Zm9v","target":"VERSION","result":"GREATER","version":"9"}],"failure":[{"requestRange":{"key":"Zm9v"}}]}',
    );
    await same('/v3/kv/compaction', '{"revision":"3"}');
    await same('/v3/kv/range', '{"key":"Zm9v","revision":"2"}');
    await same('/v3/kv/range', '{"key":"Zm9v","revision":99}');
    await same('/v3/kv/deleterange', '{"key":"Zm9v","prev_kv":true}');
    await same('/v3beta/kv/range', '{"key":"Zm9v"}');
    await same('/v3/kv/put', '{"key":""}');
    await same('/v3/kv/put', '');
    await same('/v3/kv/range', '{"key":"Zm9v","sort_order":"BOGUS"}');
    await same('/v3/kv/range', '{"key":"Zm9v!"}');
    await same('/v3/kv/range', '{"key":"Zm9v","unknown_field":1}');
    await same('/v3/kv/range', undefined); // GET: 405
    await same('/v3/kv/nope', '{}');
    await same('/nope', '{}');
    await same('/v3/kv/range', '{"key":');
  });

  it("malformed JSON: Go's texts, from its decoder, its scanner and jsonpb's int64 handling", async () => {
    const bodies = [
      '{',
      '{"key":"Zm9v"',
      '{"key" "Zm9v"}',
      '{"key":"Zm9v",}',
      '{1:2}',
      '{"key": tru}',
      '{"key": nul}',
      '{"key": "a\\q"}',
      '{"key": "\\u12G4"}',
      '{"key": "a\nb"}',
      '{"limit": -}',
      '{"limit": 1.}',
      '{"limit": 1e}',
      '{"limit": 01}',
      '{"a": [1 2]}',
      '[1,]',
      'x',
      '[]',
      '"str"',
      '7',
      'true',
      '{"key":"Zm9v"} trailing',
      '{"key":"Zm9v"}{"key":',
      '{"key": 1}',
      '{"key": true}',
      '{"key": [1]}',
      '{"key": [256]}',
      '{"key": ["a"]}',
      '{"key": [1.5]}',
      '{"limit": "x"}',
      '{"limit": "1 2"}',
      '{"limit": ""}',
      '{"limit": "\\"5\\""}',
      '{"limit": "0x10"}',
      '{"limit": "1.5"}',
      '{"limit": 1.5}',
      '{"limit": true}',
      '{"limit": [1]}',
      '{"limit": {}}',
      '{"limit": "null"}',
      '{"limit": 99999999999999999999}',
      '{"keys_only": 1}',
      '{"sort_order": 7}',
    ];
    for (const body of bodies) await same('/v3/kv/range', body);
    // Go's nesting limit (10,000 with the outer object), and far beyond it: an error, never a stack overflow.
    // (fetch here: the deepest body is too long for a command-line argument.)
    for (const depth of [9_999, 10_000, 200_000]) {
      const body = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const answer = async (base: string): Promise<[number, string]> => {
        const r = await fetch(`${base}/v3/kv/range`, { method: 'POST', body });
        return [r.status, await r.text()];
      };
      const real = await answer(etcd.endpoint);
      expect(await answer(server.endpoints[0]!), `nesting ${depth}`).toEqual(real);
      expect(real[0]).toBe(400);
    }
    await same('/v3/kv/txn', '{"compare": {}}');
    await same('/v3/kv/txn', '{"compare": [1]}');
    await same('/v3/kv/txn', '{"success": [{"request_put": []}]}');
  });

  it('leases, maintenance, alarms, health, cluster', async () => {
    await same('/v3/lease/grant', '{"TTL":60,"ID":7}');
    await same('/v3/lease/grant', '{"TTL":60,"ID":7}');
    await same('/v3/kv/put', '{"key":"bGs=","value":"dg==","lease":"7"}');
    const ttl = await Promise.all([
      curl(etcd.endpoint, '/v3/lease/timetolive', '{"ID":7,"keys":true}'),
      curl(server.endpoints[0]!, '/v3/lease/timetolive', '{"ID":7,"keys":true}'),
    ]);
    const drop = (a: CurlAnswer) => ({ ...(JSON.parse(a.body) as object), TTL: '<ttl>', header: '<h>' });
    expect(drop(ttl[1])).toEqual(drop(ttl[0]));
    await same('/v3/lease/timetolive', '{"ID":8}');
    await same('/v3/kv/lease/leases', '{}');
    await same('/v3/lease/keepalive', '{"ID":7}');
    await same('/v3/lease/keepalive', '{"ID":8}');
    await same('/v3/lease/revoke', '{"ID":7}');
    await same('/v3/kv/lease/revoke', '{"ID":7}');
    await same('/v3/maintenance/status', '{}');
    await same('/v3/maintenance/alarm', '{"action":"GET"}');
    const memberOf = async (base: string) =>
      JSON.parse((await curl(base, '/v3/maintenance/status', '{}')).body).leader as string;
    const [realId, simId] = await Promise.all([memberOf(etcd.endpoint), memberOf(server.endpoints[0]!)]);
    const alarm = (id: string, action: string) =>
      `{"action":"${action}","memberID":"${id}","alarm":"NOSPACE"}`;
    const [a1, a2] = await Promise.all([
      curl(etcd.endpoint, '/v3/maintenance/alarm', alarm(realId, 'ACTIVATE')),
      curl(server.endpoints[0]!, '/v3/maintenance/alarm', alarm(simId, 'ACTIVATE')),
    ]);
    expect(shape(a2)).toEqual(shape(a1));
    await same('/v3/kv/put', '{"key":"eA==","value":"eQ=="}'); // 429 database space exceeded
    await same('/v3/maintenance/status', '{}'); // errors: the alarm
    await same('/health', undefined);
    await same('/health?exclude=NOSPACE', undefined);
    await same('/v3/maintenance/defragment', '{}');
    const [d1, d2] = await Promise.all([
      curl(etcd.endpoint, '/v3/maintenance/alarm', alarm(realId, 'DEACTIVATE')),
      curl(server.endpoints[0]!, '/v3/maintenance/alarm', alarm(simId, 'DEACTIVATE')),
    ]);
    expect(shape(d2)).toEqual(shape(d1));
    await same('/health', undefined);
    await same('/health', '{}'); // POST: 405
    await same('/version', undefined);
    await same('/v3/maintenance/hash', '{}');
    await same('/v3/maintenance/transfer-leadership', '{"targetID":"1"}');
    await same('/v3/cluster/member/list', '{}');
    await same('/v3/cluster/member/remove', '{"ID":"1"}');
    await same('/v3/cluster/member/promote', '{"ID":"1"}');
  });

  it('watch as newline-delimited JSON, several requests in one body', async () => {
    const body = [
      '{"create_request":{"key":"Zm9v","start_revision":"1"}}',
      '{"create_request":{"key":"YQ==","watch_id":"5"}}',
      '{"create_request":{"key":"YQ==","watch_id":"5"}}',
      '{"cancel_request":{"watch_id":"5"}}',
      '{"cancel_request":{"watch_id":"99"}}',
    ].join('\n');
    // The watch stays open after the body: curl stops after 1.5 s on both (exit 28 is expected).
    const opts = ['-N', '--max-time', '1.5'];
    const [real, sim] = await Promise.all([
      curl(etcd.endpoint, '/v3/watch', body, opts),
      curl(server.endpoints[0]!, '/v3/watch', body, opts),
    ]);
    const lines = (a: CurlAnswer) => shape({ ...a, status: 0 }).lines;
    expect(lines(sim)).toEqual(lines(real));
    expect(lines(sim).length).toBeGreaterThanOrEqual(5);
  });

  it('snapshot: chunks of data, then the SHA-256, one JSON line each', async () => {
    for (const base of [etcd.endpoint, server.endpoints[0]!]) {
      const a = await curl(base, '/v3/maintenance/snapshot', '{}');
      expect(a.status).toBe(200);
      const blobs = a.body
        .trim()
        .split('\n')
        .map((l) => Buffer.from((JSON.parse(l) as { result: { blob: string } }).result.blob, 'base64'));
      const data = Buffer.concat(blobs.slice(0, -1));
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(data).digest().equals(blobs.at(-1)!)).toBe(true);
    }
  });

  it("the simulator also serves HashKV at /v3/maintenance/hashkv (etcd 3.6's path), equal to gRPC's", async () => {
    const a = await curl(server.endpoints[0]!, '/v3/maintenance/hashkv', '{}');
    const viaGrpc = server.store.hashKv();
    expect(JSON.parse(a.body)).toMatchObject({
      hash: viaGrpc.hash,
      compact_revision: String(viaGrpc.compactRevision),
    });
    // An unknown alarm action crashes etcd 3.4.23: sent to the simulator only, which refuses it and serves on.
    const bad = await curl(server.endpoints[0]!, '/v3/maintenance/alarm', '{"action":7}');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).code).toBe(3);
    expect((await curl(server.endpoints[0]!, '/v3/maintenance/status', '{}')).status).toBe(200);
  });
});
