import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../src/common/async-queue.js';

describe('AsyncQueue', () => {
  it('delivers pushed items in order, to a waiting consumer too, then ends', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const waiting = (async () => {
      const seen: number[] = [];
      for await (const x of q) seen.push(x);
      return seen;
    })();
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    q.push(4);
    expect(await waiting).toEqual([1, 2, 3]);
  });

  it('throws the failure after the queued items', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) seen.push(x);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
  });

  it('calls onReturn once when the consumer breaks out', async () => {
    let returned = 0;
    const q = new AsyncQueue<number>(() => returned++);
    q.push(1);
    q.push(2);
    for await (const _ of q) break;
    await q.return();
    expect(returned).toBe(1);
    expect(q.closed).toBe(true);
  });
});
