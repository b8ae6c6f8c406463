/**
 * Child process for close.test.ts: open a backend, run a watch and a lease keepalive, close, and then
 * do nothing. The process must exit by itself; a leaked channel, stream or timer would keep it alive.
 */

import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';

const endpoints = (process.env.ETCD_ENDPOINTS ?? '').split(',');
const backend = new EtcdBackend({ endpoints });
const lease = await backend.leaseGrant({ ttl: 10 });
await backend.leaseKeepAlive({ id: lease.id });
const watcher = backend.watch({ key: 'exit/k' });
await watcher.created;
const stream = backend.watchStream(); // left open: close() must end it
stream.create({ key: 'exit/other' });
await backend.put({ key: 'exit/k', value: 'v', lease: lease.id });
for await (const r of watcher) {
  if (r.events.length > 0) {
    console.log(`event ${toText(r.events[0]!.kv.value)}`);
    break;
  }
}
await backend.leaseKeepAlive({ id: lease.id }); // the keepalive stream stays open after this
await backend.close();
console.log('closed');
