/**
 * Memory backend (issue 3): request cost beside a floor measured in the same run, range latency in a big
 * store, write cost with many watchers, heap per key, and heap after compaction. Each figure is printed
 * beside its target. Heap figures need `global.gc`: run with `node --expose-gc --import tsx bench/main.ts memory`
 * (without it they are skipped, and say so).
 */

import { Bench } from 'tinybench';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import type { BenchOptions } from '../main.js';
import { compactEvery } from '../report/compaction.js';

/** Mean ops/s and mean latency (µs) of a finished task. */
interface Figure {
  opsPerSec: number;
  meanUs: number;
}

/**
 * Run `tasks` in `rounds` rounds (each task `time` ms per round, tasks interleaved) and keep each task's
 * median: the machine is shared, and a compared pair should see the same background load.
 */
async function measure(
  tasks: Record<string, () => Promise<unknown>>,
  time: number,
  rounds: number,
): Promise<Record<string, Figure>> {
  const samples: Record<string, Figure[]> = {};
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: Math.min(200, time) });
    for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result as {
        throughput?: { mean: number };
        latency?: { mean: number };
        error?: unknown;
      };
      if (result.error) throw result.error;
      samples[task.name] ??= [];
      samples[task.name]!.push({
        opsPerSec: result.throughput?.mean ?? 0,
        meanUs: (result.latency?.mean ?? 0) * 1000,
      });
    }
  }
  const out: Record<string, Figure> = {};
  for (const [name, list] of Object.entries(samples)) {
    const ops = list.map((f) => f.opsPerSec).sort((a, b) => a - b);
    const us = list.map((f) => f.meanUs).sort((a, b) => a - b);
    out[name] = { opsPerSec: ops[ops.length >> 1]!, meanUs: us[us.length >> 1]! };
  }
  return out;
}

/** A 16-byte key for index i. */
function key16(i: number): string {
  return `key/${i.toString().padStart(12, '0')}`;
}

const VALUE_100 = 'v'.repeat(100);

/** A distinct, flat 100-byte value (as a caller's freshly decoded data would be). */
function value100(i: number, version: number): string {
  return Buffer.from(`${version}:${i}:${VALUE_100}`.slice(0, 100), 'latin1').toString('latin1');
}

function verdict(ok: boolean): string {
  return ok ? 'MET' : 'NOT MET';
}

function line(name: string, figure: string, target: string, ok: boolean): void {
  console.log(`${name.padEnd(44)} ${figure.padEnd(28)} target ${target.padEnd(22)} ${verdict(ok)}`);
}

async function opsVsFloor(time: number, rounds: number): Promise<void> {
  const floorMap = new Map<string, string>();
  const floorPut = async (k: string, v: string): Promise<void> => {
    floorMap.set(k, v);
  };
  const floorGet = async (k: string): Promise<string | undefined> => floorMap.get(k);
  const backend = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  const KEYS = 10_000;
  for (let i = 0; i < KEYS; i++) {
    await backend.put({ key: key16(i), value: VALUE_100 });
    floorMap.set(key16(i), VALUE_100);
  }
  let n = 0;
  let m = 0;
  let g = 0;
  let h = 0;
  const compaction = compactEvery(backend);
  const figures = await measure(
    {
      'floor put (async Map.set)': () => floorPut(key16(n++ % KEYS), VALUE_100),
      'floor get (async Map.get)': () => floorGet(key16(g++ % KEYS)),
      put: async () => {
        const due = compaction();
        if (due) await due;
        return backend.put({ key: key16(++m % KEYS), value: VALUE_100 });
      },
      'point get': () => backend.range({ key: key16(h++ % KEYS) }),
    },
    time,
    rounds,
  );
  const fp = figures['floor put (async Map.set)']!;
  const fg = figures['floor get (async Map.get)']!;
  const p = figures.put!;
  const gt = figures['point get']!;
  console.log(`floor put ${fp.opsPerSec.toFixed(0)} ops/s, floor get ${fg.opsPerSec.toFixed(0)} ops/s`);
  const putRatio = p.opsPerSec / fp.opsPerSec;
  const getRatio = gt.opsPerSec / fg.opsPerSec;
  line(
    'put (16 B key, 100 B value, 10k keys)',
    `${p.opsPerSec.toFixed(0)} ops/s = ${(putRatio * 100).toFixed(1)}%`,
    '≥ 40% of floor',
    putRatio >= 0.4,
  );
  line(
    'point get (10k keys)',
    `${gt.opsPerSec.toFixed(0)} ops/s = ${(getRatio * 100).toFixed(1)}%`,
    '≥ 50% of floor',
    getRatio >= 0.5,
  );
  await backend.close();
}

async function rangeInBigStore(quick: boolean, time: number, rounds: number): Promise<void> {
  const N = quick ? 100_000 : 1_000_000;
  const backend = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  for (let i = 0; i < N; i++) await backend.put({ key: key16(i), value: 'x' });
  let s = 0;
  const figures = await measure(
    {
      'range 100': () => {
        s = (s + 7919) % (N - 100);
        const start = s;
        return backend.range({ key: key16(start), rangeEnd: key16(start + 100) });
      },
    },
    time,
    rounds,
  );
  const r = figures['range 100']!;
  line(`range of 100 keys in ${N} keys`, `${r.meanUs.toFixed(1)} µs`, '< 50 µs', r.meanUs < 50);
  await backend.close();
}

async function putWithWatchers(time: number, rounds: number): Promise<void> {
  const plain = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  const watched = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  const stream = watched.watchStream();
  for (let i = 0; i < 10_000; i++) stream.create({ key: `watched/${i}` });
  // Drain the created replies so the stream holds nothing.
  const it = stream[Symbol.asyncIterator]();
  for (let i = 0; i < 10_000; i++) await it.next();
  let a = 0;
  let b = 0;
  const compactPlain = compactEvery(plain);
  const compactWatched = compactEvery(watched);
  const figures = await measure(
    {
      'put, no watchers': async () => {
        const due = compactPlain();
        if (due) await due;
        return plain.put({ key: key16(++a % 1000), value: VALUE_100 });
      },
      'put, 10k watchers on other keys': async () => {
        const due = compactWatched();
        if (due) await due;
        return watched.put({ key: key16(++b % 1000), value: VALUE_100 });
      },
    },
    time,
    rounds,
  );
  const none = figures['put, no watchers']!;
  const many = figures['put, 10k watchers on other keys']!;
  const ratio = many.meanUs / none.meanUs;
  line(
    'put with 10k watchers vs none',
    `${many.meanUs.toFixed(2)} vs ${none.meanUs.toFixed(2)} µs = ${ratio.toFixed(2)}×`,
    '≤ 2×',
    ratio <= 2,
  );
  stream.close();
  await plain.close();
  await watched.close();
}

function heapNow(): { heap: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

async function heapFigures(quick: boolean): Promise<void> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('heap figures skipped: run with node --expose-gc --import tsx bench/main.ts memory');
    return;
  }
  const N = quick ? 50_000 : 200_000;
  const before = heapNow();
  const one = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  for (let i = 0; i < N; i++) await one.put({ key: key16(i), value: value100(i, 0) });
  const afterOne = heapNow();
  const perKey = (afterOne.heap - before.heap) / N;
  const extPerKey = (afterOne.external - before.external) / N;
  line(
    `heap per live key (${N} keys, 16 B + 100 B)`,
    `${perKey.toFixed(0)} B (+${extPerKey.toFixed(0)} B external)`,
    '≤ 400 B',
    perKey + Math.max(0, extPerKey) <= 400,
  );

  const VERSIONS = 10;
  const M = quick ? 20_000 : 50_000;
  const base = heapNow();
  const ref = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  for (let i = 0; i < M; i++) await ref.put({ key: key16(i), value: value100(i, 0) });
  const refHeap = heapNow().heap - base.heap;
  const base2 = heapNow();
  const many = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  for (let v = 0; v < VERSIONS; v++) {
    for (let i = 0; i < M; i++) await many.put({ key: key16(i), value: value100(i, v) });
  }
  const fullHeap = heapNow().heap - base2.heap;
  await many.compact({ revision: (await many.status()).header.revision });
  const compactedHeap = heapNow().heap - base2.heap;
  const ratio = compactedHeap / refHeap;
  console.log(`${M} keys × ${VERSIONS} versions: ${(fullHeap / 1e6).toFixed(1)} MB before compaction`);
  line(
    'heap after compaction vs one-version store',
    `${(compactedHeap / 1e6).toFixed(1)} vs ${(refHeap / 1e6).toFixed(1)} MB = ${ratio.toFixed(2)}×`,
    '≤ 1.5×',
    ratio <= 1.5,
  );
  await one.close();
  await ref.close();
  await many.close();
}

/** Run the memory backend benchmarks. */
export async function run({ quick }: BenchOptions): Promise<void> {
  const time = quick ? 300 : 1000;
  const rounds = quick ? 3 : 5;
  console.log(
    `node ${process.version}; ${quick ? 'quick' : 'full'} run: medians of ${rounds} rounds of ${time} ms per task`,
  );
  await opsVsFloor(time, rounds);
  await rangeInBigStore(quick, time, rounds);
  await putWithWatchers(time, rounds);
  await heapFigures(quick);
}
