/**
 * Fixed sequences that once diverged from the real server, kept as regressions on both backends
 * (run through the same model check and watch validators as the random sequences).
 */

import type { ModelRequest } from '../../../src/testing/model/index.js';

/** A named reproduction, in template form (keys under the sequence prefix). */
export interface Regression {
  readonly name: string;
  readonly sequence: ModelRequest[];
}

export const regressions: Regression[] = [
  {
    // etcd checks a txn put's key (ignore_value on an absent key) before its lease: "key not found".
    // A top-level put checks the lease first. Memory answered "requested lease not found" (fixed).
    name: 'txn put with ignore_value on an absent key and an unknown lease → key not found',
    sequence: [
      {
        type: 'txn',
        request: { success: [{ requestPut: { key: 'a', ignoreValue: true, lease: 1_000_001n } }] },
      },
      { type: 'put', request: { key: 'a', ignoreValue: true, lease: 1_000_001n } },
    ],
  },
  {
    // A key deleted by a from-key delete and put again in one txn is a create (create == mod): etcd sends
    // its PUT event without prev_kv. Memory attached the old KeyValue (fixed).
    name: 'a key re-created in the txn that deleted it: PUT event without prev_kv',
    sequence: [
      { type: 'put', request: { key: 'a', value: 'v1' } },
      {
        type: 'txn',
        request: {
          success: [
            { requestDeleteRange: { key: '\0', rangeEnd: '\0' } },
            { requestPut: { key: 'a', value: 'v2' } },
          ],
        },
      },
    ],
  },
  {
    // One key touched three times at one revision: etcd sends DELETE, PUT, DELETE (a checker once
    // called the second DELETE a duplicate).
    name: 'delete, re-create and delete one key in one txn: three events at one revision',
    sequence: [
      { type: 'put', request: { key: 'c', value: 'p' } },
      {
        type: 'txn',
        request: {
          success: [
            { requestDeleteRange: { key: 'a', rangeEnd: '\0' } },
            { requestTxn: { success: [{ requestPut: { key: 'c', value: '' } }] } },
            { requestDeleteRange: { key: 'a', rangeEnd: '\0' } },
          ],
        },
      },
    ],
  },
];
