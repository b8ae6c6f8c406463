import { describe, expect, it } from 'vitest';
import { medianInterval } from '../../bench/report/measure.js';

describe('bench: medianInterval (distribution-free 95% CI of a median)', () => {
  const ranks = (n: number) => medianInterval(Array.from({ length: n }, (_, i) => n - i)); // values = ranks

  it('uses the order statistics of the binomial tail: n=9 → 2nd and 8th, n=21 → 6th and 16th', () => {
    expect(ranks(9)).toEqual([2, 8]);
    expect(ranks(21)).toEqual([6, 16]);
    expect(ranks(6)).toEqual([1, 6]);
  });

  it('has no interval below 6 values (even the extremes cover less than 95%)', () => {
    expect(ranks(5)).toBeUndefined();
    expect(medianInterval([])).toBeUndefined();
  });
});
