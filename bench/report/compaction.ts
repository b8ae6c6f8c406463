/**
 * Bounded history for write benchmarks: on the memory backend every version lives in the bench's own heap
 * until compaction, and millions of them would add GC work to every later measurement.
 */

import type { KvBackend } from '../../src/interface/backend.js';

/**
 * A write counter for `backend`: `due(count)` records `count` writes and, once `every` have been recorded
 * since the last compaction, returns a promise that compacts to the current revision (await it before the
 * next write); otherwise undefined, so the common path costs no extra await. Its cost is part of the figure.
 */
export function compactEvery(
  backend: KvBackend,
  every = 100_000,
): (count?: number) => Promise<void> | undefined {
  let writes = 0;
  return (count = 1) => {
    writes += count;
    if (writes < every) return undefined;
    writes = 0;
    return backend
      .status()
      .then((s) => backend.compact({ revision: s.header.revision }))
      .then(() => undefined);
  };
}
