/** BENCHMARKS.md: machine and versions, the comparison table, the store-size table, targets with verdicts. */

import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ops, table, times, us, verdict } from './markdown.js';
import { type MeasureOptions, slowdown, type Timing } from './measure.js';
import type { ScalePoint } from './scaling.js';
import { KV_WORKLOADS, RECIPE_WORKLOADS, type Workload } from './workloads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** File name of the chart, beside BENCHMARKS.md. */
export const CHART = 'benchmarks-chart.svg';

/** Per-operation timings of one workload on the three targets. */
export interface Row {
  workload: Workload;
  memory: Timing;
  backend: Timing;
  raw: Timing;
}

function version(pkg: string): string {
  const file = pkg === '.' ? 'package.json' : join('node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { version: string }).version;
}

/** Heap per key; below 10k keys the store is lost in the heap's own noise. */
function heapCell(p: ScalePoint): string {
  if (p.heapPerKey === undefined) return 'needs node --expose-gc';
  return p.keys < 10_000 ? 'too small to measure' : `${p.heapPerKey.toFixed(0)} B`;
}

/** How much the bare sorted-btree floor grew over the same sizes, for reading the log n rows. */
function floorNote(scale: ScalePoint[]): string {
  const first = scale[0]!;
  const growth = scale
    .slice(1)
    .map((p) => `${times(p.floorGetUs / first.floorGetUs)} at ${p.keys.toLocaleString('en-US')} keys`);
  return `For reference, the bare sorted-btree get (floor column) grew ${growth.join(' and ')} over its cost at ${first.keys.toLocaleString('en-US')} keys.`;
}

/** Target verdicts as table rows: [target, figure, verdict]. */
function targets(rows: Row[], scale: ScalePoint[]): string[][] {
  const out: string[][] = [];
  const byName = new Map(rows.map((r) => [r.workload, r]));
  for (const w of KV_WORKLOADS) {
    const x = slowdown(byName.get(w)!.backend, byName.get(w)!.memory);
    out.push([`memory ≥ 100× etcd backend: ${w}`, times(x), verdict(x >= 100)]);
  }
  for (const w of RECIPE_WORKLOADS) {
    const x = slowdown(byName.get(w)!.backend, byName.get(w)!.memory);
    out.push([`recipes: memory ≥ 50× etcd backend: ${w}`, times(x), verdict(x >= 50)]);
  }
  for (const row of rows) {
    if (RECIPE_WORKLOADS.includes(row.workload)) continue; // different algorithms: see the notes
    const pct = (slowdown(row.backend, row.raw) - 1) * 100;
    out.push([
      `etcd backend within 5% of raw etcd3: ${row.workload}`,
      `${pct.toFixed(1)}%`,
      verdict(pct <= 5),
    ]);
  }
  const first = scale[0]!;
  for (const p of scale.slice(1)) {
    const bound = Math.log(p.keys) / Math.log(first.keys);
    for (const [name, a, b] of [
      ['put', first.putUs, p.putUs],
      ['get', first.getUs, p.getUs],
      ['range 100', first.rangeUs, p.rangeUs],
    ] as const) {
      out.push([
        `memory ${name}: cost(${p.keys}) / cost(${first.keys}) ≤ log ratio ${bound.toFixed(2)}`,
        times(b / a),
        verdict(b / a <= bound),
      ]);
    }
  }
  return out;
}

/** BENCHMARKS.md for one run's figures. */
export function renderReport(
  quick: boolean,
  options: MeasureOptions,
  etcdVersion: string,
  rows: Row[],
  scale: ScalePoint[],
): string {
  const cpu = cpus();
  const mode = quick
    ? `quick run (\`npm run bench -- report --quick\`): ${options.rounds} round(s) of ${options.time} ms per task; **the 1M-key point is skipped**`
    : `full run (\`npm run bench -- report\`): median of ${options.rounds} interleaved rounds of ${options.time} ms per task`;
  const compare = rows.map((r) => [
    r.workload,
    us(r.memory.us),
    us(r.backend.us),
    us(r.raw.us),
    ops(r.backend.opsPerSec),
    times(slowdown(r.backend, r.memory)),
    `${((slowdown(r.backend, r.raw) - 1) * 100).toFixed(1)}%`,
  ]);
  const sizes = scale.map((p) => [
    p.keys.toLocaleString('en-US'),
    us(p.putUs),
    us(p.getUs),
    us(p.rangeUs),
    us(p.floorGetUs),
    heapCell(p),
  ]);
  return `# Benchmarks

Written by \`bench/suites/report.ts\` on ${new Date().toISOString()}; ${mode}.
The machine is shared with other work (tests running in parallel), so figures are noisy.

## Machine and versions

- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${process.platform} ${process.arch}
- Node ${process.version}; etcd server ${etcdVersion} (started by the suite: one member, \`--unsafe-no-fsync\`, on 127.0.0.1)
- etcd-kv-kit ${version('.')}, etcd3 ${version('etcd3')}, @grpc/grpc-js ${version('@grpc/grpc-js')}, tinybench ${version('tinybench')}, sorted-btree ${version('sorted-btree')}

## Memory backend, etcd backend and raw etcd3

Mean cost of one operation (µs) with tinybench, one request in flight; the three targets are timed back to
back in every round. The µs columns are the median round; the ratio columns are the median of the
per-round ratios (so both sides of a ratio saw the same background load). Raw etcd3 uses etcd3's
generated gRPC clients (\`client.kv\`, \`client.leaseClient\`), its watch builder, and its \`client.lock()\`.

${table(['workload', 'memory µs', 'etcd backend µs', 'raw etcd3 µs', 'etcd backend ops/s', 'memory speed-up vs etcd backend', 'etcd backend vs raw etcd3'], compare)}

- get and range read keys written before timing; put writes 100 B values over 1024 keys; the
  compare-and-swap is a txn \`mod_revision == last\` → put, which always succeeds.
- watch: put → event is the time from issuing a put to its event arriving on a prefix watcher;
  throughput is 100 sequential puts until the 100th event, per event.
- Locks: on the backends, \`Mutex\` over a \`Session\` made beforehand (one txn to acquire, one delete to
  release). etcd3's \`lock()\` is a try-lock that grants a lease, runs a create-if-absent txn and revokes
  the lease on release; with contention it fails and the caller retries. The algorithms differ, so the
  5% target is not applied to the lock rows. With 8 contenders, each call has all 8 lock and unlock once;
  the figure is per acquisition.
- lease: grant (60 s), put with the lease, revoke.

## Memory backend against store size

Keys of 16 B, values of 100 B; keys visited in scattered order (stride 7919), so a big store misses the
CPU caches on most lookups. The floor column is an async \`get\` on a bare sorted-btree holding the same
keys, visited in the same order: how much of the growth the data structure and the caches alone give.
Heap per key is \`heapUsed\` after \`global.gc()\` with the store built, minus before, over the key count.

${table(['keys', 'put µs', 'get µs', 'range 100 µs', 'floor: bare sorted-btree get µs', 'heap per key'], sizes)}
${quick ? '\nQuick mode: the 1M-key point was skipped.\n' : ''}
![memory-backend cost per operation against key count](${CHART})

## Targets

${table(['target', 'figure', 'verdict'], targets(rows, scale), ['l', 'r', 'l'])}

The log n target: cost at n keys divided by cost at 1k keys must not exceed log n / log 1000.
${floorNote(scale)}
`;
}
