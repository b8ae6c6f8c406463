/**
 * Child process for paused-client.test.ts: a lock holder that the test stops with SIGSTOP. It takes
 * the lock on a 2 s session and prints "locked"; once continued, on the line "report <epoch ms when it
 * was continued>" from stdin, it tries a write guarded by its ownership and prints what it sees as one
 * JSON line, then exits.
 */

import { createInterface } from 'node:readline';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import { Mutex, Session } from '../../../src/recipes/index.js';
import { holder } from './paused-holder.js';

const backend = new EtcdBackend({
  endpoints: (process.env.ETCD_ENDPOINTS ?? '').split(','),
  dialTimeoutMs: 500,
  requestTimeoutMs: 1_000,
});
const session = await Session.create(backend, { ttl: 2 });
const mutex = await new Mutex(session, 'ph/lock').lock();
const me = holder(session, mutex, Date.now);
console.log('locked');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const m = /^report (\d+)$/.exec(line);
  if (m === null) continue;
  console.log(JSON.stringify(await me.report(Number(m[1]))));
  break;
}
lines.close();
await session.close().catch(() => {});
await backend.close();
