/**
 * Key permissions as etcd's auth store checks them (server/auth/range_perm_cache.go and pkg/adt): each
 * permission is an interval of keys, and a request's interval must be covered by the union of the user's
 * intervals of that type. Keys are Latin-1 storage strings (one char per byte), so string order is
 * etcd's byte order.
 */

/**
 * An interval of keys in etcd's "bytes-affine" order, where the empty string sorts above every other key
 * and so stands for "no upper end". A permission on one key is [key, key + "\0").
 */
export interface AffineInterval {
  readonly begin: string;
  readonly end: string;
}

/** etcd's BytesAffineComparable.Compare: the empty string is greater than any other. */
export function affineCompare(a: string, b: string): number {
  if (a === '') return b === '' ? 0 : 1;
  if (b === '') return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The interval of a permission (key, rangeEnd): one key, from key ("\0"), or [key, rangeEnd). */
export function permissionInterval(key: string, rangeEnd: string): AffineInterval {
  if (rangeEnd === '') return { begin: key, end: `${key}\0` };
  return { begin: key, end: rangeEnd === '\0' ? '' : rangeEnd };
}

/** etcd's Interval.Compare of `a` against `b`: −1 left of it, 1 right of it, 0 overlapping. */
function intervalCompare(a: AffineInterval, b: AffineInterval): number {
  if (affineCompare(a.begin, b.begin) < 0 && affineCompare(a.end, b.begin) <= 0) return -1;
  if (affineCompare(a.begin, b.end) >= 0) return 1;
  return 0;
}

/** The union of a user's intervals of one permission type (etcd's interval tree, as a sorted list). */
export class IntervalSet {
  /** Sorted by begin (affine order), as the tree visits them. */
  readonly #intervals: readonly AffineInterval[];

  constructor(intervals: readonly AffineInterval[]) {
    this.#intervals = [...intervals].sort((x, y) => affineCompare(x.begin, y.begin));
  }

  /** True when the set is empty. */
  get empty(): boolean {
    return this.#intervals.length === 0;
  }

  /** etcd's checkKeyPoint: some interval holds `key`. */
  holds(key: string): boolean {
    const point = { begin: key, end: `${key}\0` };
    return this.#intervals.some((iv) => intervalCompare(point, iv) === 0);
  }

  /**
   * etcd's IntervalTree.Contains: the intervals overlapping `iv`, taken in begin order, join without a gap
   * and reach from at most its begin to at least its end.
   */
  covers(iv: AffineInterval): boolean {
    let minBegin: string | undefined;
    let maxEnd = '';
    for (const n of this.#intervals) {
      if (intervalCompare(iv, n) !== 0) continue;
      if (minBegin === undefined) {
        minBegin = n.begin;
        maxEnd = n.end;
        continue;
      }
      if (affineCompare(maxEnd, n.begin) < 0) return false;
      if (affineCompare(n.end, maxEnd) > 0) maxEnd = n.end;
    }
    return (
      minBegin !== undefined && affineCompare(maxEnd, iv.end) >= 0 && affineCompare(minBegin, iv.begin) <= 0
    );
  }

  /**
   * etcd's isRangeOpPermitted for a request on `key` with `rangeEnd` ("" for one key, "\0" for from key).
   */
  permits(key: string, rangeEnd: string): boolean {
    if (rangeEnd === '') return this.holds(key);
    return this.covers({ begin: key, end: rangeEnd === '\0' ? '' : rangeEnd });
  }
}
