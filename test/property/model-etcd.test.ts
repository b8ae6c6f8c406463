/**
 * Model-based property test on a real etcd (the ground truth): the same generated sequences as on
 * memory minus clock advances and short TTLs, each under a fresh key prefix, with revisions relative to
 * the baseline and lease IDs mapped by grant order. Requests the model flags as crashing etcd 3.4 are
 * never sent. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import { modelSuite } from './harness/model-suite.js';
import { useEtcdSubject } from './harness/subjects.js';

const env = useEtcdSubject();

modelSuite({
  label: '[etcd]',
  tag: 'etcd',
  time: false,
  timeNote: '',
  sizes: { maxOps: 30, runs: 60, txnMaxOps: 15, txnRuns: 40, timeoutMs: 90_000 },
  watchTimeoutMs: 5_000,
  subject: () => env.subject,
});
