/**
 * The suite on the memory backend as its default etcd release and as older ones: each run covers other
 * values of the behaviours its `etcdVersion` option selects (src/memory-backend/etcd-version.ts), and
 * the cases assert each side through src/testing/suite/differences.ts. 3.4.23 is the real etcd CI runs.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { allCases } from '../../src/testing/suite/cases/index.js';
import { memoryTarget } from '../../src/testing/targets.js';

const api = { describe, it, beforeAll, afterAll, expect };

runConformance(memoryTarget(), allCases, api);
// 3.4.23: progress requests at once, future watchers synced, negative start canceled as compacted.
// 3.5.10: progress requests held until synced. 3.6.0: dropped, future watchers still synced.
// 3.6.3: future watchers unsynced, negative start still accepted.
for (const etcdVersion of ['3.4.23', '3.5.10', '3.6.0', '3.6.3']) {
  describe(`etcd ${etcdVersion}`, () => runConformance(memoryTarget({ etcdVersion }), allCases, api));
}
