/**
 * Child process for close.test.ts: open things on the etcd backend and close them at once, before their
 * streams are set up, then close the backend and do nothing. The process must exit by itself right away;
 * a gRPC call left running would keep it alive until the next keepalive ping (10 s).
 */

import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { ConfigCenter } from '../../src/recipes/index.js';

const endpoints = (process.env.ETCD_ENDPOINTS ?? '').split(',');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The reported case: a config center opened and closed at once, then the backend.
for (let i = 0; i < 3; i++) {
  const backend = new EtcdBackend({ endpoints });
  const center = await ConfigCenter.open(backend, { prefix: 'close-at-once/' });
  await center.close();
  await backend.close();
}

// A watch cancelled before its stream is open, the backend closed a little later.
for (const gapMs of [0, 5, 50]) {
  const backend = new EtcdBackend({ endpoints });
  await backend.range({ key: 'close-at-once/x' });
  const watcher = backend.watch({ key: 'close-at-once/x' });
  await watcher.cancel();
  await sleep(gapMs);
  await backend.close();
}

// A keepalive whose stream opens as the backend closes.
for (const gapMs of [0, 5, 50]) {
  const backend = new EtcdBackend({ endpoints });
  const lease = await backend.leaseGrant({ ttl: 5 });
  const renewing = backend.leaseKeepAlive({ id: lease.id }).catch(() => {});
  await sleep(gapMs);
  await backend.close();
  await renewing;
}
console.log('closed');
