import { afterAll, beforeAll, describe, it } from 'vitest';
import { runConformance } from '../../src/testing/conformance.js';
import { serverTarget } from '../../src/testing/targets.js';
import { allCases } from './cases/index.js';

runConformance(serverTarget(), allCases, { describe, it, beforeAll, afterAll });
