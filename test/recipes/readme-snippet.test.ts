/** The "unit-test your app with the memory backend and the manual clock" snippet of README.md, run as written. */

import { expect, it } from 'vitest';
import { ManualClock } from '../../src/index.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { Mutex, Session } from '../../src/recipes/index.js';

it('[memory] README snippet: a crashed lock holder is replaced after its TTL', async () => {
  const clock = new ManualClock();
  await using backend = new MemoryBackend({ clock, minLeaseTtl: 1 });

  const crashed = await Session.create(backend, { ttl: 30 });
  await new Mutex(crashed, 'jobs/lock').lock();
  crashed.orphan();

  await using healthy = await Session.create(backend, { ttl: 30 });
  const waiting = new Mutex(healthy, 'jobs/lock').lock();
  let settled = false;
  void waiting.then(() => {
    settled = true;
  });

  await clock.advanceAsync(29_000);
  expect(settled).toBe(false);
  await clock.advanceAsync(2_000);
  const lock = await waiting;
  expect(lock.held).toBe(true);
  expect(healthy.alive).toBe(true);
});
