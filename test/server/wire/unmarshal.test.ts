/**
 * Request bytes that do not decode, and unknown fields, against a real etcd and the simulator: the
 * same INTERNAL status with gogo's and grpc-go's exact text, or the same answer (see differential.ts).
 */

import { KV, LEASE, range, seed, UNMARSHAL, unaryCases } from './differential.js';
import { hex, useWireTargets } from './wire-targets.js';

const t = useWireTargets();
seed(t);

unaryCases(t, 'protobuf that does not decode: INTERNAL with gogo/grpc-go text', [
  {
    name: 'truncated length-delimited key',
    path: `${KV}Range`,
    body: hex('0a05 61'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'varint where the key is bytes',
    path: `${KV}Range`,
    body: hex('0801'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 0 for field Key`,
  },
  {
    name: 'wire type 7 on a known field',
    path: `${KV}Range`,
    body: hex('0f'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 7 for field Key`,
  },
  {
    name: 'start-group on a known field',
    path: `${KV}Range`,
    body: hex('0b'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 3 for field Key`,
  },
  {
    name: 'end-group at the top level',
    path: `${KV}Range`,
    body: hex('0c'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: RangeRequest: wiretype end group for non-group`,
  },
  {
    name: 'field number 0',
    path: `${KV}Range`,
    body: hex('00'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: RangeRequest: illegal tag 0 (wire type 0)`,
  },
  {
    name: 'field number 0, wire type 2',
    path: `${KV}Range`,
    body: hex('02'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: RangeRequest: illegal tag 0 (wire type 2)`,
  },
  {
    name: 'field number that is negative as int32',
    path: `${KV}Range`,
    body: hex('8080808040'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: RangeRequest: illegal tag -2147483648 (wire type 17179869184)`,
  },
  {
    name: 'field number 2^32 + 1 reads as field 1 (int32 truncation)',
    path: `${KV}Range`,
    body: hex('8a8080808001 01 7a'),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'varint longer than 10 bytes',
    path: `${KV}Range`,
    body: hex('0a0161 18 ffffffffffffffffffff01'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: integer overflow`,
  },
  {
    name: '10 continuation bytes then the end',
    path: `${KV}Range`,
    body: hex('18 ffffffffffffffffffff'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: integer overflow`,
  },
  {
    name: 'varint cut short',
    path: `${KV}Range`,
    body: hex('18ff'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'negative length',
    path: `${KV}Range`,
    body: hex('0a ffffffffffffffffff01'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: negative length found during unmarshaling`,
  },
  {
    name: 'length past the end',
    path: `${KV}Range`,
    body: hex('0a ffffffff0f 61'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'unknown field of wire type 7',
    path: `${KV}Range`,
    body: hex('0a0161 7f'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: illegal wireType 7`,
  },
  {
    name: 'unknown fixed32 cut short',
    path: `${KV}Range`,
    body: hex('0a0161 fd07 0102'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'unknown fixed64 past the end',
    path: `${KV}Range`,
    body: hex('0a0161 f907 01'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'unknown group, never closed',
    path: `${KV}Range`,
    body: hex('0a0161 fb07 0a0161'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
  },
  {
    name: 'wire type 7 inside an unknown group',
    path: `${KV}Range`,
    body: hex('0a0161 fb07 0f fc07'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: illegal wireType 7`,
  },
  {
    name: 'negative length inside an unknown group',
    path: `${KV}Range`,
    body: hex('fb07 0a ffffffffffffffffff01'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: negative length found during unmarshaling`,
  },
  {
    name: 'unknown field of length 2^63 − 1 at offset 0 (overflows in the skip)',
    path: `${KV}Range`,
    body: hex('fa07 ffffffffffffffff7f'),
    response: 'RangeResponse',
    etcd: `${UNMARSHAL} proto: negative length found during unmarshaling`,
  },
  {
    name: 'varint where Put.value is bytes',
    path: `${KV}Put`,
    body: hex('0a0161 1001'),
    response: 'PutResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 0 for field Value`,
  },
  {
    name: 'bad field inside a txn op',
    path: `${KV}Txn`,
    body: hex('1203 0a0161'),
    response: 'TxnResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 1 for field MinCreateRevision`,
  },
  {
    name: 'bad field inside a compare',
    path: `${KV}Txn`,
    body: hex('0a05 1a0161 3201'),
    response: 'TxnResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 2 for field ModRevision`,
  },
  {
    name: 'bytes where a compare result is an enum',
    path: `${KV}Txn`,
    body: hex('0a03 0a0161'),
    response: 'TxnResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 2 for field Result`,
  },
  {
    name: 'bytes where LeaseGrant.TTL is a varint',
    path: `${LEASE}LeaseGrant`,
    body: hex('0a0161'),
    response: 'LeaseGrantResponse',
    etcd: `${UNMARSHAL} proto: wrong wireType = 2 for field TTL`,
  },
  {
    name: 'Status: unknown field cut short',
    path: '/etcdserverpb.Maintenance/Status',
    body: hex('0a05'),
    response: 'StatusResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
    statusOnly: true,
  },
  {
    name: 'MemberList: field 1 is unknown to 3.4 (3.5 linearizable), skipped',
    path: '/etcdserverpb.Cluster/MemberList',
    body: hex('0a0161'),
    response: 'MemberListResponse',
    etcd: 'OK',
    statusOnly: true,
  },
  {
    name: 'MemberList: that unknown field cut short',
    path: '/etcdserverpb.Cluster/MemberList',
    body: hex('0a05'),
    response: 'MemberListResponse',
    etcd: `${UNMARSHAL} unexpected EOF`,
    statusOnly: true,
  },
]);

unaryCases(t, 'unknown fields are skipped', [
  {
    name: 'Range with unknown varint, bytes and group fields',
    path: `${KV}Range`,
    body: Buffer.concat([range({}), hex('f806 01 7a02 6869 fb07 0a0161 fc07')]),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'duplicate key field: the last one wins',
    path: `${KV}Range`,
    body: hex('0a017a 0a0162'),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  // A put of z, then a range of b, in one RequestOp: the range wins, so the txn only reads.
  {
    name: 'oneof set twice in a txn op: the last member wins',
    path: `${KV}Txn`,
    body: hex('120a 12030a017a 0a030a0162'),
    response: 'TxnResponse',
    etcd: 'OK',
  },
]);
