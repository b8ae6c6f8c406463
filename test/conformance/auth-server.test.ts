/** The auth cases on the simulator server with auth on, as its default etcd release and as 3.4.23. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { authCases } from '../../src/testing/suite/cases/index.js';
import { serverTarget } from '../../src/testing/targets.js';

const api = { describe, it, beforeAll, afterAll, expect };

runConformance(serverTarget({ auth: true }), authCases, api);
describe('etcd 3.4.23', () =>
  runConformance(serverTarget({ auth: true, etcdVersion: '3.4.23' }), authCases, api));
