/** A request that fails changes nothing: no revision, no data, no lease attachment, no watch event. */

import { describe, expect, it } from 'vitest';
import { KeyNotFoundError, LeaseNotFoundError } from '../../src/interface/errors.js';
import type { MemoryBackend } from '../../src/memory-backend/index.js';
import { dump, Reader, rev, setup } from './helpers.js';

async function unchanged(
  backend: MemoryBackend,
  action: () => Promise<unknown>,
  error: unknown,
): Promise<void> {
  const stream = backend.watchStream();
  stream.create({ key: '\0', rangeEnd: '\0' });
  const reader = new Reader(stream);
  await reader.take();
  const r0 = await rev(backend);
  const before = await dump(backend);
  await expect(action()).rejects.toBeInstanceOf(error as never);
  expect(await rev(backend)).toBe(r0);
  expect(await dump(backend)).toEqual(before);
  expect(await reader.take()).toEqual([]);
  stream.close();
}

describe('memory: no partial effect on error', () => {
  it('a put with ignoreValue after a from-key delete of its key in the same txn fails whole (semantics §12)', async () => {
    const { backend } = setup();
    await backend.put({ key: 'b', value: '1' });
    await backend.put({ key: 'c', value: '2' });
    await unchanged(
      backend,
      () =>
        backend.txn({
          success: [
            { requestDeleteRange: { key: 'b', rangeEnd: '\0' } },
            { requestPut: { key: 'c', ignoreValue: true } },
          ],
        }),
      KeyNotFoundError,
    );
    await backend.close();
  });

  it('an unknown lease on the taken path fails the txn before any op runs', async () => {
    const { backend } = setup();
    await backend.put({ key: 'a', value: '1' });
    await unchanged(
      backend,
      () =>
        backend.txn({
          success: [
            { requestPut: { key: 'a', value: '2' } },
            { requestTxn: { success: [{ requestPut: { key: 'b', lease: 77n } }] } },
          ],
        }),
      LeaseNotFoundError,
    );
    await backend.close();
  });

  it('inside a txn the ignore flags are checked before the lease (etcd checkRequestPut); top level is the reverse', async () => {
    const { backend } = setup();
    await expect(
      backend.txn({ success: [{ requestPut: { key: 'a', ignoreValue: true, lease: 12345n } }] }),
    ).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(backend.put({ key: 'a', ignoreValue: true, lease: 12345n })).rejects.toBeInstanceOf(
      LeaseNotFoundError,
    );
    await backend.close();
  });

  it('apply-time problems on the path not taken do not matter', async () => {
    const { backend } = setup();
    const txn = await backend.txn({
      compare: [{ key: 'nope', target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
      success: [{ requestPut: { key: 'ok', value: 'v' } }],
      failure: [{ requestPut: { key: 'x', lease: 5n } }, { requestRange: { key: 'x', revision: 1000 } }],
    });
    expect(txn.succeeded).toBe(true);
    expect(await dump(backend)).toEqual({ ok: 'v' });
    await backend.close();
  });

  it('[delete(b, "\\0"), put c] re-creates c at the same revision with version 1', async () => {
    const { backend } = setup();
    await backend.put({ key: 'c', value: 'old' });
    await backend.put({ key: 'c', value: 'old2' });
    const txn = await backend.txn({
      success: [
        { requestDeleteRange: { key: 'b', rangeEnd: '\0' } },
        { requestPut: { key: 'c', value: 'new' } },
        { requestRange: { key: 'c' } },
      ],
    });
    const n = txn.header.revision;
    const read = txn.responses[2]! as {
      responseRange: { kvs: { createRevision: number; version: number }[] };
    };
    expect(read.responseRange.kvs[0]).toMatchObject({ createRevision: n, version: 1 });
    const kv = (await backend.range({ key: 'c' })).kvs[0]!;
    expect(kv).toMatchObject({ createRevision: n, modRevision: n, version: 1 });
    expect((await backend.range({ key: 'c', revision: n - 1 })).kvs[0]!.version).toBe(2);
    await backend.close();
  });
});
