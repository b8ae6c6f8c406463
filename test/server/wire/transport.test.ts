/**
 * Requests cut off mid-message, extra messages on a unary call, bad flag bytes and bytes that are not
 * gRPC framing, sent over raw HTTP/2 to a real etcd and to the simulator (see differential.ts).
 */

import {
  create,
  KEEPALIVE,
  KV,
  keepAlive,
  PROGRESS,
  range,
  seed,
  transportCases,
  WATCH,
} from './differential.js';
import { grpcFrame } from './raw-grpc.js';
import { b, GRPC_LIMIT, hex, useWireTargets } from './wire-targets.js';

const t = useWireTargets();
seed(t);

const rangeFrame = grpcFrame(range({}));
transportCases(t, 'requests cut off, extra or not framed (raw HTTP/2)', [
  {
    name: 'unary: the client ends inside a message',
    path: `${KV}Range`,
    body: grpcFrame(range({}), 50),
    ending: 'end',
    etcd: '2 unexpected EOF',
  },
  {
    name: 'unary: the client ends inside the frame header',
    path: `${KV}Range`,
    body: hex('0000'),
    ending: 'end',
    etcd: '2 unexpected EOF',
  },
  {
    name: 'unary: the client ends with no message',
    path: `${KV}Range`,
    body: Buffer.alloc(0),
    ending: 'end',
    etcd: '2 EOF',
  },
  {
    name: 'unary: a second message is ignored',
    path: `${KV}Range`,
    body: Buffer.concat([rangeFrame, rangeFrame]),
    ending: 'end',
    etcd: '0 ',
  },
  {
    name: 'unary: one message then half of another',
    path: `${KV}Range`,
    body: Buffer.concat([rangeFrame, rangeFrame.subarray(0, 4)]),
    ending: 'end',
    etcd: '0 ',
  },
  {
    name: 'unary: compressed flag without an encoding',
    path: `${KV}Range`,
    body: Buffer.concat([hex('01'), rangeFrame.subarray(1)]),
    ending: 'end',
    etcd: '13 grpc: compressed flag set with identity or empty encoding',
  },
  {
    name: 'unary: flag byte 2',
    path: `${KV}Range`,
    body: Buffer.concat([hex('02'), rangeFrame.subarray(1)]),
    ending: 'end',
    etcd: '13 grpc: received unexpected payload format 2',
  },
  {
    name: 'unary: bytes that are not gRPC framing',
    path: `${KV}Range`,
    body: b('hello world, not grpc'),
    ending: 'end',
    etcd: `8 grpc: received message larger than max (1701604463 vs. ${GRPC_LIMIT})`,
  },
  {
    name: 'unary: half a message, then the client waits',
    path: `${KV}Range`,
    body: grpcFrame(range({}), 50),
    ending: 'open',
    etcd: 'no status',
  },
  {
    name: 'unary: half a message, then a reset',
    path: `${KV}Range`,
    body: grpcFrame(range({}), 50),
    ending: 'reset',
    etcd: 'no status',
  },
  {
    name: 'watch: the client ends inside a message',
    path: WATCH,
    body: grpcFrame(create(), 50),
    ending: 'end',
    etcd: '13 unexpected EOF',
  },
  {
    name: 'watch: a create, then the client ends inside the next',
    path: WATCH,
    body: Buffer.concat([grpcFrame(create()), grpcFrame(PROGRESS, 40)]),
    ending: 'end',
    etcd: '13 unexpected EOF',
  },
  {
    name: 'watch: compressed flag without an encoding',
    path: WATCH,
    body: Buffer.concat([hex('01'), grpcFrame(create()).subarray(1)]),
    ending: 'end',
    etcd: '13 grpc: compressed flag set with identity or empty encoding',
  },
  {
    name: 'keepalive: the client ends inside a message',
    path: KEEPALIVE,
    body: grpcFrame(keepAlive(77), 50),
    ending: 'end',
    etcd: '13 unexpected EOF',
  },
  {
    name: 'keepalive: one request, then the client ends inside the next',
    path: KEEPALIVE,
    body: Buffer.concat([grpcFrame(keepAlive(77)), hex('000000')]),
    ending: 'end',
    etcd: '13 unexpected EOF',
  },
]);
