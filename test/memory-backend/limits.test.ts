/** Request limits and argument checks of the memory backend. */

import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidSortOptionError,
  RequestTooLargeError,
  TooManyOpsError,
} from '../../src/interface/errors.js';
import type { RangeRequest } from '../../src/interface/kv.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { rev, setup } from './helpers.js';

const MiB = 1024 * 1024;

describe('memory request size limit (etcd --max-request-bytes, measured on 3.4.23)', () => {
  it('with a 3-byte key the largest accepted put value is 1,572,837 bytes', async () => {
    const { backend } = setup();
    await backend.put({ key: 'abc', value: new Uint8Array(1_572_837) });
    await expect(backend.put({ key: 'abc', value: new Uint8Array(1_572_838) })).rejects.toBeInstanceOf(
      RequestTooLargeError,
    );
    await expect(backend.put({ key: 'abc', value: new Uint8Array(1.5 * MiB) })).rejects.toThrow(
      'etcdserver: request is too large',
    );
    await backend.close();
  });

  it('matches the largest value real etcd 3.4.23 accepts in puts and txns of several shapes', async () => {
    // Measured on the installed etcd 3.4.23 by bisection (the same request shapes, 3-byte key "abc").
    const { backend } = setup();
    const lease = (await backend.leaseGrant({ ttl: 600, id: 0x7fff_0000_0000_1234n })).id;
    const value = (n: number): Uint8Array => new Uint8Array(n);
    const shapes: [string, number, (n: number) => Promise<unknown>][] = [
      [
        'put with prevKv and a lease',
        1_572_825,
        (n) => backend.put({ key: 'abc', value: value(n), prevKv: true, lease }),
      ],
      [
        'txn with one put',
        1_572_829,
        (n) => backend.txn({ success: [{ requestPut: { key: 'abc', value: value(n) } }] }),
      ],
      [
        'txn with a compare, a put and a range',
        1_572_801,
        (n) =>
          backend.txn({
            compare: [{ key: 'abc', target: 'MOD', result: 'GREATER', modRevision: 0 }],
            success: [{ requestPut: { key: 'abc', value: value(n) } }],
            failure: [{ requestRange: { key: 'zz', rangeEnd: 'zzz', limit: 5 } }],
          }),
      ],
      [
        'put in a nested txn',
        1_572_821,
        (n) =>
          backend.txn({
            success: [{ requestTxn: { success: [{ requestPut: { key: 'abc', value: value(n) } }] } }],
          }),
      ],
    ];
    for (const [name, largest, send] of shapes) {
      await expect(send(largest), name).resolves.toBeDefined();
      await expect(send(largest + 1), name).rejects.toBeInstanceOf(RequestTooLargeError);
    }
    await backend.close();
  });

  it('counts a string value by its UTF-8 bytes', async () => {
    const { backend } = setup();
    // 'é' is two bytes in UTF-8: 786,419 of them are 1,572,838 bytes.
    await expect(backend.put({ key: 'abc', value: 'é'.repeat(786_419) })).rejects.toBeInstanceOf(
      RequestTooLargeError,
    );
    await backend.put({ key: 'abc', value: `${'é'.repeat(786_418)}x` });
    await backend.close();
  });

  it('a txn with a too-large write in the branch that does not run still fails, with no effect', async () => {
    const { backend } = setup();
    const r0 = await rev(backend);
    await expect(
      backend.txn({
        compare: [{ key: 'missing', target: 'VERSION', result: 'EQUAL', version: 0 }],
        success: [{ requestPut: { key: 'small', value: 'x' } }],
        failure: [{ requestPut: { key: 'big', value: new Uint8Array(1.6 * MiB) } }],
      }),
    ).rejects.toBeInstanceOf(RequestTooLargeError);
    expect(await rev(backend)).toBe(r0);
    expect((await backend.range({ key: 'small' })).count).toBe(0);
    await backend.close();
  });

  it('ranges and read-only txns skip the check; a ~1 MiB value is accepted', async () => {
    const { backend } = setup();
    await backend.put({ key: 'k', value: new Uint8Array(MiB) });
    const bigKey = 'k'.repeat(2 * MiB);
    expect((await backend.range({ key: bigKey })).count).toBe(0);
    const txn = await backend.txn({
      compare: [{ key: bigKey, target: 'VALUE', result: 'EQUAL', value: 'x' }],
      success: [{ requestRange: { key: bigKey } }],
      failure: [{ requestRange: { key: 'k' } }],
    });
    expect(txn.succeeded).toBe(false);
    await backend.close();
  });

  it('maxRequestBytes and maxTxnOps are options', async () => {
    const { backend } = setup({ maxRequestBytes: 100, maxTxnOps: 2 });
    await backend.put({ key: 'k', value: 'x'.repeat(50) });
    await expect(backend.put({ key: 'k', value: 'x'.repeat(100) })).rejects.toBeInstanceOf(
      RequestTooLargeError,
    );
    const op = { requestRange: { key: 'k' } };
    await backend.txn({ success: [op, op] });
    await expect(backend.txn({ success: [op, op, op] })).rejects.toBeInstanceOf(TooManyOpsError);
    // A nested txn's budget is what its parent left: 2 − 1.
    await expect(backend.txn({ success: [{ requestTxn: { success: [op, op] } }] })).rejects.toBeInstanceOf(
      TooManyOpsError,
    );
    await backend.close();
  });
});

describe('memory argument checks', () => {
  it('rejects invalid sort options with InvalidSortOptionError, in ranges and txns', async () => {
    const { backend } = setup();
    const bad = [{ sortOrder: 'UP' }, { sortTarget: 'SIZE' }] as unknown as Partial<RangeRequest>[];
    for (const extra of bad) {
      await expect(backend.range({ key: 'k', ...extra })).rejects.toBeInstanceOf(InvalidSortOptionError);
      await expect(
        backend.txn({ success: [{ requestRange: { key: 'k', ...extra } }] }),
      ).rejects.toBeInstanceOf(InvalidSortOptionError);
    }
    await backend.close();
  });

  it('rejects wrong JavaScript types with InvalidArgumentError that says what it received', async () => {
    const { backend } = setup();
    const calls: [() => Promise<unknown>, RegExp][] = [
      [
        () => backend.put({ key: 42 as unknown as string }),
        /key must be a string or Uint8Array, received number 42/,
      ],
      [() => backend.put({ key: 'k', lease: 5 as unknown as bigint }), /lease must be a bigint/],
      [() => backend.range({ key: 'k', limit: 1.5 }), /limit must be a safe integer, received number 1.5/],
      [
        () => backend.range(null as unknown as RangeRequest),
        /range request must be a request object, received null/,
      ],
      [() => backend.txn({ success: 'x' as unknown as [] }), /success must be an array/],
      [
        () => backend.txn({ compare: [{ key: 'k', target: 'SIZE', result: 'EQUAL' } as never] }),
        /compare target must be one of/,
      ],
      [() => backend.leaseGrant({ ttl: '5' as unknown as number }), /ttl must be a safe integer/],
    ];
    for (const [call, message] of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => backend.watchStream().create({ key: 'k', filters: ['NOTHING' as never] })).toThrow(
      InvalidArgumentError,
    );
    expect(await rev(backend)).toBe(1);
    await backend.close();
  });

  it('type errors come before etcd errors, as a client rejects them before sending', async () => {
    const { backend } = setup({ maxTxnOps: 1 });
    const op = { requestPut: { key: 'k' } };
    const error = await backend
      .txn({ success: [op, { requestPut: { key: 1 as unknown as string } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    await backend.close();
  });

  it('copies caller bytes: changing the array after a put does not change the store', async () => {
    const { backend } = setup();
    const key = new TextEncoder().encode('key');
    const value = new Uint8Array([1, 2, 3]);
    await backend.put({ key, value });
    key[0] = 0x7a;
    value[0] = 9;
    const got = await backend.range({ key: 'key' });
    expect([...got.kvs[0]!.value]).toEqual([1, 2, 3]);
    expect(got.kvs[0]!.value).toBeInstanceOf(Uint8Array);
    expect(Object.getPrototypeOf(got.kvs[0]!.value)).toBe(Uint8Array.prototype);
    await backend.close();
  });

  it('an aborted signal rejects the call with AbortError and changes nothing', async () => {
    const { backend } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(backend.put({ key: 'k' }, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(await rev(backend)).toBe(1);
    await backend.close();
  });
});

describe('memory backend options', () => {
  it('rejects options that make no sense with InvalidArgumentError', async () => {
    expect(() => new MemoryBackend({ minLeaseTtl: 0 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryBackend({ maxTxnOps: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryBackend({ seed: 0.5 })).toThrow(InvalidArgumentError);
    const ok = new MemoryBackend({ seed: 3n, maxRequestBytes: 10 });
    await expect(ok.put({ key: 'k', value: 'x'.repeat(20) })).rejects.toBeInstanceOf(RequestTooLargeError);
    await ok.close();
  });
});
