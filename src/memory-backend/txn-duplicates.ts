/**
 * etcd's duplicate-key check for txns (checkIntervals in v3rpc/key.go), reproduced exactly: per branch and
 * recursively, a key may be put once, and a put may not fall inside a delete interval on the same path. As
 * in etcd, a from-key delete (range end "\0") or an inverted range never conflicts (docs/semantics.md §12).
 */

import { DuplicateKeyError } from '../interface/errors.js';
import type { ParsedOp } from './request.js';

/** A delete interval [start, end): a single-key delete is [key, key + "\0"). */
interface Interval {
  readonly start: string;
  readonly end: string;
}

function intersects(dels: readonly Interval[], key: string): boolean {
  for (const d of dels) if (d.start <= key && key < d.end) return true;
  return false;
}

/** Throw DuplicateKeyError when `ops` (one branch) breaks the rule; returns its puts and deletes. */
export function checkDuplicates(ops: readonly ParsedOp[]): { puts: Set<string>; dels: Interval[] } {
  const dels: Interval[] = [];
  for (const op of ops) {
    if (op.kind !== 'delete') continue;
    const end = op.range.end;
    // etcd's affine interval: a "\0" end sorts below every key, so from-key deletes never intersect.
    if (end === undefined) dels.push({ start: op.key, end: `${op.key}\0` });
    else if (op.range.end !== '\u0100') dels.push({ start: op.key, end });
  }
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.kind !== 'txn') continue;
    const then = checkDuplicates(op.success);
    const otherwise = checkDuplicates(op.failure);
    for (const k of then.puts) {
      if (puts.has(k) || intersects(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      // The same key in then and else is fine: only one of them runs.
      if ((puts.has(k) && !then.puts.has(k)) || intersects(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    if (op.kind !== 'put') continue;
    if (puts.has(op.key) || intersects(dels, op.key)) throw new DuplicateKeyError();
    puts.add(op.key);
  }
  return { puts, dels };
}
