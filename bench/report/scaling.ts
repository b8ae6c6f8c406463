/**
 * Memory backend against store size: put, get and range-of-100 cost at 1k, 100k and 1M keys, in
 * scattered key order (most lookups miss the CPU caches once the store outgrows them) and in sequential
 * order (the caches stay warm, so what remains is the algorithm's own growth), with two floors — a bare
 * sorted-btree and a plain `Map` — and heap per key (needs `node --expose-gc`). Stores are built one at a
 * time and dropped before the next.
 */

import { ManualClock } from '../../src/clock/manual-clock.js';
import { BTree } from '../../src/memory-backend/btree.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { compactEvery } from './compaction.js';
import { type MeasureOptions, measure } from './measure.js';

/** Figures at one store size. */
export interface ScalePoint {
  keys: number;
  /** Mean µs per call. */
  putUs: number;
  getUs: number;
  rangeUs: number;
  /** The same three in sequential key order (neighbouring keys: the caches stay warm). */
  seqPutUs: number;
  seqGetUs: number;
  seqRangeUs: number;
  /** Floor: an async get from a bare sorted-btree of the same keys, visited in the same order. */
  floorGetUs: number;
  /** Floor: an async get from a plain `Map` (O(1)) of the same keys, visited in the same order. */
  mapGetUs: number;
  /** Heap bytes per key (16 B key, 100 B value), or undefined without `global.gc`. */
  heapPerKey: number | undefined;
}

const VALUE = 'v'.repeat(100);

/** A 16-byte key for index i. */
function key16(i: number): string {
  return `key/${i.toString().padStart(12, '0')}`;
}

function heapUsed(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Put, get and range-of-100 tasks on `backend` that step through its `keys` keys by `step` (ranges by `rangeStep`). */
function walk(
  backend: MemoryBackend,
  keys: number,
  step: number,
  rangeStep: number,
  compaction: () => Promise<void> | undefined,
): Record<'put' | 'get' | 'range', () => Promise<unknown>> {
  let p = 0;
  let g = 0;
  let r = 0;
  return {
    put: async () => {
      const due = compaction();
      if (due) await due;
      p = (p + step) % keys;
      return backend.put({ key: key16(p), value: VALUE });
    },
    get: () => {
      g = (g + step) % keys;
      return backend.range({ key: key16(g) });
    },
    range: () => {
      r = (r + rangeStep) % (keys - 100);
      return backend.range({ key: key16(r), rangeEnd: key16(r + 100) });
    },
  };
}

/** Measure one store of `keys` keys. */
async function point(keys: number, options: MeasureOptions): Promise<ScalePoint> {
  const before = heapUsed();
  const backend = new MemoryBackend({ clock: new ManualClock(), seed: 1 });
  for (let i = 0; i < keys; i++) await backend.put({ key: key16(i), value: VALUE });
  const after = heapUsed();
  const floor = new BTree<string, string>();
  const map = new Map<string, string>();
  for (let i = 0; i < keys; i++) {
    floor.set(key16(i), VALUE);
    map.set(key16(i), VALUE);
  }
  // A multiplicative stride visits keys in scattered order, so caches see the whole store; a stride of 1
  // (range windows side by side) visits neighbours.
  const compaction = compactEvery(backend);
  const scattered = walk(backend, keys, 7919, 7919, compaction);
  const sequential = walk(backend, keys, 1, 100, compaction);
  let f = 0;
  let fm = 0;
  const figures = await measure(
    {
      put: scattered.put,
      get: scattered.get,
      range: scattered.range,
      'floor get': async () => {
        f = (f + 7919) % keys;
        return floor.get(key16(f));
      },
      'map get': async () => {
        fm = (fm + 7919) % keys;
        return map.get(key16(fm));
      },
      'seq put': sequential.put,
      'seq get': sequential.get,
      'seq range': sequential.range,
    },
    options,
  );
  await backend.close();
  return {
    keys,
    putUs: figures.put!.us,
    getUs: figures.get!.us,
    rangeUs: figures.range!.us,
    seqPutUs: figures['seq put']!.us,
    seqGetUs: figures['seq get']!.us,
    seqRangeUs: figures['seq range']!.us,
    floorGetUs: figures['floor get']!.us,
    mapGetUs: figures['map get']!.us,
    heapPerKey: before === undefined || after === undefined ? undefined : (after - before) / keys,
  };
}

/** Measure every size in `sizes`, smallest first. */
export async function scaling(sizes: number[], options: MeasureOptions): Promise<ScalePoint[]> {
  const out: ScalePoint[] = [];
  for (const keys of sizes) {
    const started = performance.now();
    out.push(await point(keys, options));
    console.log(`  ${keys} keys measured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return out;
}
