/**
 * The Watch and LeaseKeepAlive streams against a real etcd and the simulator: garbage, unknown fields
 * and values, int64 watch IDs, half-close, oversized messages (see differential.ts).
 */

import {
  cancel,
  create,
  KEEPALIVE,
  keepAlive,
  MAX,
  MIN,
  P62,
  STREAM_UNMARSHAL,
  seed,
  streamCases,
  WATCH,
} from './differential.js';
import { GRPC_LIMIT, hex, useWireTargets } from './wire-targets.js';

const t = useWireTargets();
seed(t);

/** Streams write nothing: the revision stays at the seed's. */
const HEADER = '{"header":{"revision":"4"}';
const PROGRESS_REPLY = `${HEADER},"watch_id":"-1"}`;

streamCases(t, 'Watch stream', [
  {
    name: 'garbage after a create ends the stream with INTERNAL',
    path: WATCH,
    frames: [create(), hex('0a05')],
    response: 'WatchResponse',
    statusOnly: true,
    etcd: `${STREAM_UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'garbage as the first message',
    path: WATCH,
    frames: [hex('0a05')],
    response: 'WatchResponse',
    etcd: `=> ${STREAM_UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'a varint where the create request is',
    path: WATCH,
    frames: [hex('0801')],
    response: 'WatchResponse',
    etcd: `=> ${STREAM_UNMARSHAL} proto: wrong wireType = 0 for field CreateRequest`,
  },
  {
    name: 'a length cut off by the enclosing message',
    path: WATCH,
    frames: [hex('0a 02 0a ffffffffffffffffff01')],
    response: 'WatchResponse',
    statusOnly: true,
    etcd: `${STREAM_UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'a request with no union set gets no reply',
    path: WATCH,
    frames: [Buffer.alloc(0)],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'a request with only an unknown field gets no reply',
    path: WATCH,
    frames: [hex('2a0161')],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'unknown filter numbers are ignored',
    path: WATCH,
    frames: [create({ filters: [7, 1, -1] })],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${HEADER},"created":true} | ${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'unpacked filters',
    path: WATCH,
    frames: [hex('0a07 0a0161 2807 2801')],
    response: 'WatchResponse',
    sentinel: true,
  },
  {
    name: 'a packed filter read past its length (gogo reads to the message end)',
    path: WATCH,
    frames: [hex('0a07 0a0161 2a01 8001')],
    response: 'WatchResponse',
    sentinel: true,
  },
  {
    name: 'start revision 2^62',
    path: WATCH,
    frames: [create({ start_revision: P62 })],
    response: 'WatchResponse',
    replies: 1,
    etcd: `${HEADER},"created":true} | => open`,
  },
  {
    name: 'watch ID 2^63 − 1, then cancel it',
    path: WATCH,
    frames: [create({ watch_id: MAX }), cancel(MAX)],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${HEADER},"watch_id":"${MAX}","created":true} | ${HEADER},"watch_id":"${MAX}","canceled":true} | ${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'watch ID −2^63',
    path: WATCH,
    frames: [create({ watch_id: MIN })],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${HEADER},"watch_id":"${MIN}","created":true} | ${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'watch ID 2^60 twice: the second is a duplicate',
    path: WATCH,
    frames: [
      create({ watch_id: '1152921504606846976' }),
      create({ watch_id: '1152921504606846976' }),
      cancel('1152921504606846976'),
      cancel('1152921504606846976'),
    ],
    response: 'WatchResponse',
    sentinel: true,
  },
  {
    name: 'watch IDs 2^60 and 2^61 do not collide',
    path: WATCH,
    frames: [create({ watch_id: '1152921504606846976' }), create({ watch_id: '2305843009213693952' })],
    response: 'WatchResponse',
    sentinel: true,
  },
  {
    name: 'cancel of an unknown ID −2^63: no reply',
    path: WATCH,
    frames: [cancel(MIN)],
    response: 'WatchResponse',
    sentinel: true,
    etcd: `${PROGRESS_REPLY} | => open`,
  },
  {
    name: 'a present but empty range_end',
    path: WATCH,
    frames: [hex('0a05 0a0161 1200')],
    response: 'WatchResponse',
    sentinel: true,
  },
  {
    name: 'half-close: the stream stays open',
    path: WATCH,
    frames: [create()],
    response: 'WatchResponse',
    halfClose: true,
    etcd: `${HEADER},"created":true} | => open`,
  },
  {
    name: 'a message over the gRPC limit',
    path: WATCH,
    frames: [create(), Buffer.alloc(600_000)],
    response: 'WatchResponse',
    statusOnly: true,
    etcd: `8 grpc: received message larger than max (600000 vs. ${GRPC_LIMIT})`,
  },
]);

streamCases(t, 'LeaseKeepAlive stream', [
  {
    name: 'garbage after a keepalive: answered, then INTERNAL',
    path: KEEPALIVE,
    frames: [keepAlive(77), hex('0a05')],
    response: 'LeaseKeepAliveResponse',
    etcd: `${HEADER},"ID":"77","TTL":"1000"} | => ${STREAM_UNMARSHAL} proto: wrong wireType = 2 for field ID`,
  },
  {
    name: 'bytes where the ID is a varint',
    path: KEEPALIVE,
    frames: [hex('0a0161')],
    response: 'LeaseKeepAliveResponse',
    etcd: `=> ${STREAM_UNMARSHAL} proto: wrong wireType = 2 for field ID`,
  },
  {
    name: 'empty, 2^63 − 1 and −2^63: TTL 0 each, the stream stays open',
    path: KEEPALIVE,
    frames: [Buffer.alloc(0), keepAlive(MAX), keepAlive(MIN)],
    response: 'LeaseKeepAliveResponse',
    replies: 3,
  },
  {
    name: 'half-close ends the stream cleanly after the answers',
    path: KEEPALIVE,
    frames: [keepAlive(77), keepAlive(77)],
    response: 'LeaseKeepAliveResponse',
    halfClose: true,
    etcd: `${HEADER},"ID":"77","TTL":"1000"} | ${HEADER},"ID":"77","TTL":"1000"} | => 0 `,
  },
  {
    name: 'a message over the gRPC limit',
    path: KEEPALIVE,
    frames: [Buffer.alloc(600_000)],
    response: 'LeaseKeepAliveResponse',
    etcd: `=> 8 grpc: received message larger than max (600000 vs. ${GRPC_LIMIT})`,
  },
]);
