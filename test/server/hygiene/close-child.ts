/**
 * Child process of close.test.ts: a server on the real clock with a lease, a watch stream with
 * progress notification and a keepalive stream open from an in-process HTTP/2 client, then close().
 * Prints one JSON line — the statuses the streams ended with and the time close() took — closes its
 * client and returns: the process must then exit by itself, with nothing left to keep it alive.
 */

import { connect } from 'node:http2';
import { startServer } from '../../../src/server/index.js';
import { create, KEEPALIVE, keepAlive, WATCH } from '../wire/differential.js';
import { grpcFrame } from '../wire/raw-grpc.js';
import { b } from '../wire/wire-targets.js';

const server = await startServer();
server.store.leaseGrant({ ttl: 600, id: 7n });
const session = connect(server.endpoints[0]!);
session.on('error', () => {});

function stream(path: string, first: Buffer): Promise<{ status: Promise<string> }> {
  const s = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  s.on('error', () => {});
  const status = new Promise<string>((resolve) => {
    s.on('trailers', (h) => resolve(`${h['grpc-status']} ${decodeURIComponent(String(h['grpc-message']))}`));
    s.on('close', () => resolve('closed without a status'));
  });
  s.write(grpcFrame(first));
  return new Promise((resolve) => s.once('data', () => resolve({ status })));
}

const watch = await stream(WATCH, Buffer.from(create({ key: b('k'), progress_notify: true })));
const keep = await stream(KEEPALIVE, Buffer.from(keepAlive('7')));
const started = performance.now();
await server.close();
const closeMs = Math.round(performance.now() - started);
const statuses = await Promise.all([watch.status, keep.status]);
session.close();
console.log(JSON.stringify({ statuses, closeMs, stats: server.stats() }));
