/** One store client per connection, found by the peer address grpc-js reports, on IPv4 and IPv6. */

import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';

/** Wait until `check` holds (the server sees a socket close a moment after the client does). */
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('per-connection clients', () => {
  for (const host of ['127.0.0.1', '[::1]']) {
    it(`a connection's calls share its client, released when it closes (${host})`, async () => {
      await using server = await startServer({ listenClientUrls: [`http://${host}:0`] });
      const client = new Etcd3({ hosts: server.endpoints });
      try {
        await client.put('k').value('v');
        const watcher = await client.watch().key('k').create();
        // The unary call and the watch stream went to one client: the connection's, not a shared one.
        expect(server.stats()).toMatchObject({ connections: 1, clients: 1, watchers: 1, streams: 1 });
        await watcher.cancel();
      } finally {
        client.close();
      }
      await until(() => server.stats().connections === 0);
      expect(server.stats()).toMatchObject({ connections: 0, clients: 0, watchers: 0, streams: 0 });
    });
  }
});
