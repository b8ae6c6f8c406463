/**
 * etcd backend (issue 4): the adapter's overhead against raw etcd3 calls (etcd3's own KVClient through
 * its connection pool) on the same server in the same run, for put and get at 1 and 64 requests in
 * flight. Fixed-count throughput loops, adapter and raw interleaved round by round; the median round is
 * reported. Target: overhead ≤ 5%. A third column runs raw etcd3 with the adapter's per-request deadline
 * (grpc-js then arms a timer per call), to show how much of the overhead is the deadline itself.
 * Run: `npx tsx bench/main.ts etcd-overhead` (add `--quick` for a short run).
 */

import { Etcd3 } from 'etcd3';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { startEtcd } from '../../src/testing/etcd-server.js';
import type { BenchOptions } from '../main.js';
import { overheadVerdict, pctInterval } from '../report/markdown.js';
import { median, medianInterval } from '../report/measure.js';

const TARGET_PCT = 5;
const VALUE = 'v'.repeat(100);

/** Ops/s of `total` calls of `op(i)` with `inFlight` workers. */
async function throughput(
  op: (i: number) => Promise<unknown>,
  total: number,
  inFlight: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < total; i = next++) await op(i);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (total / (performance.now() - started)) * 1000;
}

/** Run the suite. */
export async function run({ quick }: BenchOptions): Promise<void> {
  const server = await startEtcd();
  const adapter = new EtcdBackend({ endpoints: server.endpoint });
  const raw = new Etcd3({ hosts: server.endpoint });
  // Many short paired rounds: the machine is shared and noisy, so each round compares adapter and raw
  // back to back, and the median of the per-round ratios is the overhead.
  const rounds = quick ? 9 : 25;
  const perRound = quick ? 150 : 400;
  try {
    // Preload keys for the gets and warm both clients' connections up.
    for (let i = 0; i < 256; i++) await adapter.put({ key: `bench/get/${i}`, value: VALUE });
    await raw.kv.range({ key: Buffer.from('bench/get/0') });
    const cases = [
      {
        name: 'put',
        adapter: (i: number) => adapter.put({ key: `bench/put/a/${i % 1024}`, value: VALUE }),
        raw: (i: number) =>
          raw.kv.put({ key: Buffer.from(`bench/put/r/${i % 1024}`), value: Buffer.from(VALUE) }),
        rawDeadline: (i: number) =>
          raw.kv.put(
            { key: Buffer.from(`bench/put/d/${i % 1024}`), value: Buffer.from(VALUE) },
            { deadline: Date.now() + 5_000 },
          ),
      },
      {
        name: 'get',
        adapter: (i: number) => adapter.range({ key: `bench/get/${i % 256}` }),
        raw: (i: number) => raw.kv.range({ key: Buffer.from(`bench/get/${i % 256}`) }),
        rawDeadline: (i: number) =>
          raw.kv.range({ key: Buffer.from(`bench/get/${i % 256}`) }, { deadline: Date.now() + 5_000 }),
      },
    ];
    console.log(
      `etcd ${(await adapter.status()).version}; ${rounds} paired rounds × ${perRound} calls; ops/s = median round, overhead = median of per-round raw/adapter ratios`,
    );
    console.log(
      '| op | in flight | raw etcd3 ops/s | adapter ops/s | overhead | 95% CI | target | raw + 5 s deadline ops/s | overhead vs that |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---|---:|---:|');
    for (const c of cases) {
      for (const inFlight of [1, 64]) {
        await throughput(c.adapter, 200, inFlight); // warm-up
        await throughput(c.raw, 200, inFlight);
        const a: number[] = [];
        const r: number[] = [];
        const d: number[] = [];
        for (let round = 0; round < rounds; round++) {
          // Rotate which goes first, so drift in the server (history growth) hits all alike.
          const order = [
            () => throughput(c.raw, perRound, inFlight).then((x) => r.push(x)),
            () => throughput(c.adapter, perRound, inFlight).then((x) => a.push(x)),
            () => throughput(c.rawDeadline, perRound, inFlight).then((x) => d.push(x)),
          ];
          for (let j = 0; j < order.length; j++) await order[(round + j) % order.length]!();
        }
        const ratios = r.map((x, i) => (x / a[i]! - 1) * 100);
        const overhead = median(ratios);
        const interval = medianInterval(ratios);
        const vsDeadline = (median(d.map((x, i) => x / a[i]!)) - 1) * 100;
        const verdict = overheadVerdict(interval, overhead, TARGET_PCT);
        console.log(
          `| ${c.name} | ${inFlight} | ${median(r).toFixed(0)} | ${median(a).toFixed(0)} | ${overhead.toFixed(1)}% | ${pctInterval(interval)} | ≤ ${TARGET_PCT}%: ${verdict} | ${median(d).toFixed(0)} | ${vsDeadline.toFixed(1)}% |`,
        );
      }
    }
  } finally {
    await adapter.close();
    raw.close();
    await server.stop();
  }
}
