/** Range evaluation as etcd's apply does it: count, filters, sort, limit, projection. */

import type { KeyValue, SortOrder, SortTarget } from '../interface/kv.js';
import type { KeyRev } from './key-rev.js';
import { EMPTY_BYTES, manyToBytesOut } from './keys.js';
import type { ParsedRange } from './request.js';

/** The KeyValues, `more` and `count` of a RangeResponse. */
export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

type Scan = (visit: (r: KeyRev) => void) => void;

function sortKey(target: SortTarget): (a: KeyRev, b: KeyRev) => number {
  const byKey = (a: KeyRev, b: KeyRev): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  switch (target) {
    case 'VERSION':
      return (a, b) => a.version - b.version || byKey(a, b);
    case 'CREATE':
      return (a, b) => a.create - b.create || byKey(a, b);
    case 'MOD':
      return (a, b) => a.mod - b.mod || byKey(a, b);
    case 'VALUE':
      return (a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : byKey(a, b));
    default:
      return byKey;
  }
}

/**
 * Evaluate `req` over the versions `scan` yields (live, in key order). `count` is taken before filters
 * and limit; ties in a sort are broken by key (reversed with DESCEND).
 */
export function evalRange(
  req: ParsedRange,
  sort: { order: SortOrder; target: SortTarget },
  scan: Scan,
): RangeResult {
  const filtered = req.minMod !== 0 || req.maxMod !== 0 || req.minCreate !== 0 || req.maxCreate !== 0;
  let order = sort.order;
  if (sort.target !== 'KEY' && order === 'NONE') order = 'ASCEND';
  else if (sort.target === 'KEY' && order === 'ASCEND') order = 'NONE';
  // etcd's rangeLimit: unless the *requested* order is set or a filter is on, only the first limit + 1 keys
  // (in key order) are read, and then sorted. So sort order NONE with a non-KEY target and a limit sorts
  // just those keys, not the whole range (real 3.4.23 and current etcd alike). Count still covers everything.
  const cap =
    !req.countOnly && req.limit > 0 && !filtered && sort.order === 'NONE' ? req.limit + 1 : Infinity;
  let count = 0;
  let revs: KeyRev[] = [];
  scan((r) => {
    count++;
    if (req.countOnly || revs.length >= cap) return;
    if (filtered) {
      if (req.minMod !== 0 && r.mod < req.minMod) return;
      if (req.maxMod !== 0 && r.mod > req.maxMod) return;
      if (req.minCreate !== 0 && r.create < req.minCreate) return;
      if (req.maxCreate !== 0 && r.create > req.maxCreate) return;
    }
    revs.push(r);
  });
  if (order !== 'NONE') {
    const cmp = sortKey(sort.target);
    revs.sort(order === 'DESCEND' ? (a, b) => cmp(b, a) : cmp);
  }
  let more = false;
  if (req.limit > 0 && revs.length > req.limit) {
    revs = revs.slice(0, req.limit);
    more = true;
  }
  return { kvs: toKeyValues(revs, req.keysOnly), more, count };
}

/** KeyValues for `revs`, their bytes converted in one batch. */
export function toKeyValues(revs: readonly KeyRev[], keysOnly: boolean): KeyValue[] {
  const n = revs.length;
  if (n === 0) return [];
  if (n === 1) return [revs[0]!.toKeyValue(keysOnly)];
  const strings = new Array<string>(keysOnly ? n : 2 * n);
  for (let i = 0; i < n; i++) {
    const r = revs[i]!;
    strings[i] = r.key;
    if (!keysOnly) strings[n + i] = r.value;
  }
  const bytes = manyToBytesOut(strings);
  const kvs = new Array<KeyValue>(n);
  for (let i = 0; i < n; i++) {
    const r = revs[i]!;
    kvs[i] = {
      key: bytes[i]!,
      value: keysOnly ? EMPTY_BYTES : bytes[n + i]!,
      createRevision: r.create,
      modRevision: r.mod,
      version: r.version,
      lease: r.lease,
    };
  }
  return kvs;
}
