/**
 * Model-based property test on the simulator server (the memory store on etcd's gRPC API, reached
 * through the etcd backend), on its ManualClock: the memory run's sequences, clock advances and short
 * TTLs included, each under a fresh key prefix on one server per file. Requests the etcd backend refuses
 * on every server (the 3.4 crash shape) are withheld. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import { modelSuite } from './harness/model-suite.js';
import { useServerSubject } from './harness/subjects.js';

const env = useServerSubject();

modelSuite({
  label: '[server]',
  tag: 'srv',
  time: true,
  timeNote: ', with time (the server ManualClock)',
  sizes: { maxOps: 40, runs: 60, txnMaxOps: 15, txnRuns: 30, timeoutMs: 90_000 },
  watchTimeoutMs: 5_000,
  subject: () => env.subject,
});
