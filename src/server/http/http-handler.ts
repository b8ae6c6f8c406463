/**
 * Plain HTTP on the client port, as etcd serves it beside gRPC: `GET /health` and `GET /version`.
 * Everything else answers Go's "404 page not found".
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MemoryStore } from '../../memory-backend/store.js';

/** The etcd cluster version reported beside the server version (major.minor.0). */
function clusterVersion(version: string): string {
  const [major = '3', minor = '0'] = version.split('.');
  return `${major}.${minor}.0`;
}

/** The request handler for `store`. */
export function httpHandler(store: MemoryStore) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' || path === '/version') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
        return;
      }
      if (path === '/health') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('{"health":"true"}');
        return;
      }
      const version = store.etcdVersion; // not status(): that call needs a user once auth is on
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ etcdserver: version, etcdcluster: clusterVersion(version) }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  };
}
