import { describe, expect, it } from 'vitest';
import {
  compareBytes,
  fromKeyRange,
  leaseHex,
  prefixEnd,
  prefixRange,
  toBytes,
  toText,
} from '../../src/common/bytes.js';
import { bytesArg, intArg, leaseArg, requestArg, sortArgs } from '../../src/common/validate.js';
import { InvalidArgumentError, InvalidSortOptionError } from '../../src/interface/errors.js';

const b = (...xs: number[]) => Uint8Array.from(xs);

describe('byte helpers', () => {
  it('orders bytewise, shorter prefix first', () => {
    expect(compareBytes(toBytes('a'), toBytes('b'))).toBeLessThan(0);
    expect(compareBytes(toBytes('ab'), toBytes('a'))).toBeGreaterThan(0);
    expect(compareBytes(b(0xff), b(0x00, 0x01))).toBeGreaterThan(0);
    expect(compareBytes(toBytes('x'), toBytes('x'))).toBe(0);
  });

  it('computes prefix ends as etcd does: drop trailing 0xff, increment the last byte, else "\\0"', () => {
    expect([...prefixEnd('a')]).toEqual([0x62]);
    expect([...prefixEnd(b(0x61, 0xff))]).toEqual([0x62]);
    expect([...prefixEnd(b(0xff, 0xff))]).toEqual([0]);
    expect([...prefixEnd('')]).toEqual([0]);
  });

  it('maps an empty prefix or from-key to the whole keyspace', () => {
    expect(prefixRange('')).toEqual({ key: b(0), rangeEnd: b(0) });
    expect(fromKeyRange('')).toEqual({ key: b(0), rangeEnd: b(0) });
    expect(toText(prefixRange('svc/').rangeEnd)).toBe('svc0');
  });

  it('writes lease IDs as lowercase unpadded hex, two-complement for negative IDs', () => {
    expect(leaseHex(0x694d8d9c3c0e2a01n)).toBe('694d8d9c3c0e2a01');
    expect(leaseHex(255n)).toBe('ff');
    expect(leaseHex(-1n)).toBe('ffffffffffffffff');
  });
});

describe('argument validation', () => {
  it('names what it received', () => {
    expect(() => bytesArg('key', 42)).toThrow(
      new InvalidArgumentError('key must be a string or Uint8Array, received number 42'),
    );
    expect(() => intArg('revision', 1.5)).toThrow(/received number 1.5/);
    expect(() => intArg('revision', 2 ** 60)).toThrow(InvalidArgumentError);
    expect(() => leaseArg('lease', 5)).toThrow(/must be a bigint/);
    expect(() => leaseArg('lease', 2n ** 63n)).toThrow(/int64/);
    expect(leaseArg('lease', -7n)).toBe(-7n);
    expect(() => requestArg('lease grant request', [])).toThrow(
      'lease grant request must be a request object, received array(0)',
    );
  });

  it('rejects sort options outside the enums with etcd 3.5 error', () => {
    expect(sortArgs(undefined, undefined)).toEqual({ order: 'NONE', target: 'KEY' });
    expect(() => sortArgs('UP', 'KEY')).toThrow(InvalidSortOptionError);
    expect(() => sortArgs('ASCEND', 'SIZE')).toThrow('etcdserver: invalid sort option');
  });
});
