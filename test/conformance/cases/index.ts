/** Every conformance case group, in the order they run. */

import type { CaseGroup } from '../../../src/testing/conformance.js';
import kvBasic from './kv-basic.js';

export const allCases: readonly CaseGroup[] = [kvBasic];
