/**
 * Model-based property test on the memory backend (ManualClock): random sequences of put, delete,
 * range (all options), txn (nested, all compare targets), compact, lease grant/revoke/keepalive/TTL and
 * clock advances; every response is checked against the reference model, and every watch stream opened
 * against the watch validators. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import { modelSuite } from './harness/model-suite.js';
import { memorySubject } from './harness/subjects.js';

modelSuite({
  label: '[memory]',
  tag: 'mem',
  time: true,
  timeNote: ', with time (ManualClock)',
  sizes: { maxOps: 40, runs: 300, txnMaxOps: 15, txnRuns: 100, timeoutMs: 60_000 },
  watchTimeoutMs: 2_000,
  subject: () => memorySubject(),
  release: (subject) => subject.backend.close(),
});
