/**
 * The maintenance cases on the memory backend, a real etcd and the simulator server; and the quota cases
 * on a target of each kind started with the 1 MiB quota they expect.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceCases, QUOTA_CASE_BYTES, quotaCases } from '../../src/testing/cases.js';
import { runConformance } from '../../src/testing/conformance.js';
import { etcdTarget, memoryTarget, serverTarget } from '../../src/testing/targets.js';

const api = { describe, it, beforeAll, afterAll, expect };

runConformance(memoryTarget(), maintenanceCases, api);
runConformance(etcdTarget(), maintenanceCases, api);
runConformance(serverTarget(), maintenanceCases, api);

describe('quota', () => {
  runConformance(memoryTarget({ quotaBackendBytes: QUOTA_CASE_BYTES }), quotaCases, api);
  runConformance(etcdTarget({ extraArgs: [`--quota-backend-bytes=${QUOTA_CASE_BYTES}`] }), quotaCases, api);
  runConformance(serverTarget({ quotaBackendBytes: QUOTA_CASE_BYTES }), quotaCases, api);
});
