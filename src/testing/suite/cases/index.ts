/** Every conformance case group, in the order they run. */

import type { CaseGroup } from '../../../testing/conformance.js';
import authManagement from './auth-management.js';
import authPermissions from './auth-permissions.js';
import authTokens from './auth-tokens.js';
import badInput from './bad-input.js';
import compaction from './compaction.js';
import deleteRange from './delete-range.js';
import kvBasic from './kv-basic.js';
import lease from './lease.js';
import leaseExpiry from './lease-expiry.js';
import lifecycle from './lifecycle.js';
import put from './put.js';
import range from './range.js';
import rangeModel from './range-model.js';
import status from './status.js';
import txn from './txn.js';
import txnModel from './txn-model.js';
import txnValidation from './txn-validation.js';
import watch from './watch.js';
import watchHistory from './watch-history.js';
import watchStream from './watch-stream.js';

// bad input stays last: it sends invalid sort targets, which would crash a raw 3.4 server if a backend
// failed to refuse them client-side.
export const allCases: readonly CaseGroup[] = [
  kvBasic,
  status,
  range,
  rangeModel,
  put,
  deleteRange,
  txn,
  txnModel,
  txnValidation,
  compaction,
  lease,
  leaseExpiry,
  watch,
  watchStream,
  watchHistory,
  lifecycle,
  badInput,
];

/**
 * The auth cases: they need a target with auth on (`memoryTarget({ auth: true })`, `etcdTarget({ auth:
 * true })`, `serverTarget({ auth: true })`), whose case backends run as root.
 */
export const authCases: readonly CaseGroup[] = [authPermissions, authManagement, authTokens];
