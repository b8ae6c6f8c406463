/**
 * Plain HTTP on the client port, as etcd serves it beside gRPC: `GET /health` (503 while an alarm is
 * raised, unless `?exclude=NAME` names it), `GET /version`, `GET /metrics`, and etcd's JSON gateway under
 * `/v3/` (gateway/). Everything else answers Go's "404 page not found".
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MemoryStore } from '../../memory-backend/store.js';
import type { ServerMetrics } from '../metrics.js';
import { type GatewayContext, serveGateway } from './gateway/gateway.js';
import { isGatewayPath } from './gateway/routes.js';

/** The etcd cluster version reported beside the server version (major.minor.0). */
function clusterVersion(version: string): string {
  const [major = '3', minor = '0'] = version.split('.');
  return `${major}.${minor}.0`;
}

/** What the HTTP side serves from. */
export interface HttpContext {
  readonly store: MemoryStore;
  /** The JSON gateway; without it, /v3/ paths answer 404. */
  readonly gateway?: GatewayContext;
  /** The server's metrics; without them, /metrics answers 404. */
  readonly metrics?: ServerMetrics;
}

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };

/** etcd's checkHealth: false while any alarm not excluded by name is raised. */
function healthy(store: MemoryStore, url: URL): boolean {
  const excluded = new Set(url.searchParams.getAll('exclude'));
  return store.alarms.every((a) => excluded.has(String(a.alarm)));
}

/** The request handler for `store` (and, when given, its gateway and metrics). */
export function httpHandler(context: MemoryStore | HttpContext) {
  const ctx: HttpContext = 'store' in context ? context : { store: context };
  const { store } = ctx;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (ctx.gateway !== undefined && isGatewayPath(path)) {
      serveGateway(ctx.gateway, path, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, PLAIN);
        res.end();
      });
      return;
    }
    if (path === '/health' || path === '/version' || (path === '/metrics' && ctx.metrics !== undefined)) {
      if (req.method !== 'GET' && !(req.method === 'HEAD' && path === '/version')) {
        res.writeHead(405, { ...PLAIN, Allow: 'GET' }).end('Method Not Allowed\n');
        return;
      }
      if (path === '/health') {
        if (!healthy(store, url)) res.writeHead(503, PLAIN).end('{"health":"false"}\n');
        else res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('{"health":"true"}');
        return;
      }
      if (path === '/metrics') {
        res
          .writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' })
          .end(ctx.metrics!.render(store));
        return;
      }
      const version = store.etcdVersion; // not status(): that call needs a user once auth is on
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ etcdserver: version, etcdcluster: clusterVersion(version) }));
      return;
    }
    res.writeHead(404, PLAIN).end('404 page not found\n');
  };
}
