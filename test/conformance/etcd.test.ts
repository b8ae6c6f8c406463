import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { allCases } from '../../src/testing/suite/cases/index.js';
import { etcdTarget } from '../../src/testing/targets.js';

runConformance(etcdTarget(), allCases, { describe, it, beforeAll, afterAll, expect });
