/** The suite on the simulator server, as its default etcd release and as the 3.4.23 that CI's etcd is. */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { allCases } from '../../src/testing/suite/cases/index.js';
import { serverTarget } from '../../src/testing/targets.js';

const api = { describe, it, beforeAll, afterAll, expect };

runConformance(serverTarget(), allCases, api);
describe('etcd 3.4.23', () => runConformance(serverTarget({ etcdVersion: '3.4.23' }), allCases, api));
