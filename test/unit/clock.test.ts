import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';

describe('ManualClock', () => {
  it('fires due timers in time order, ties in scheduling order, with now() at each due time', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('late'), 31);
    clock.advance(30);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1030);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers scheduled by callbacks within the same span, and skips cancelled ones', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const cancelled = clock.setTimeout(() => fired.push(-1), 5);
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
    }, 10);
    cancelled.cancel();
    clock.advance(25);
    expect(fired).toEqual([10, 20]);
  });

  it('rejects a negative or non-finite advance with a typed error naming the value', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow(InvalidArgumentError);
    expect(() => clock.advance(Number.NaN)).toThrow(/received NaN/);
  });

  it('advanceAsync lets promise work started by a timer finish before the next timer', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const tick = (): void => {
      clock.setTimeout(async () => {
        log.push(`tick@${clock.now()}`);
        await Promise.resolve();
        log.push(`done@${clock.now()}`);
        tick();
      }, 100);
    };
    tick();
    await clock.advanceAsync(300, 100);
    expect(log).toEqual(['tick@100', 'done@100', 'tick@200', 'done@200', 'tick@300', 'done@300']);
  });
});
