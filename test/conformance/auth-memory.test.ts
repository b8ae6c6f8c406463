/**
 * The auth cases on the memory backend with auth on, as its default etcd release and as 3.4.23 (the
 * releases differ in a few auth behaviours; see src/testing/suite/differences.ts).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { authCases } from '../../src/testing/suite/cases/index.js';
import { memoryTarget } from '../../src/testing/targets.js';

const api = { describe, it, beforeAll, afterAll, expect };

runConformance(memoryTarget({ auth: true }), authCases, api);
describe('etcd 3.4.23', () =>
  runConformance(memoryTarget({ auth: true, etcdVersion: '3.4.23' }), authCases, api));
