/** The auth cases on a real etcd with auth on for the whole file (root, and users and roles per case). */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { authCases } from '../../src/testing/suite/cases/index.js';
import { etcdTarget } from '../../src/testing/targets.js';

runConformance(etcdTarget({ auth: true }), authCases, { describe, it, beforeAll, afterAll, expect });
