/**
 * waitDeletes, from etcd's concurrency package: wait until no key under a prefix has a create revision
 * ≤ maxCreateRev. Each round waits only for the newest such key (the caller's immediate predecessor),
 * so N waiters make N watches, not N² wake-ups (no thundering herd).
 */

import { prefixRange } from '../common/bytes.js';
import type { CallOptions, KvBackend } from '../interface/backend.js';
import { CompactedError } from '../interface/errors.js';
import type { KeyValue, ResponseHeader } from '../interface/kv.js';
import { throwIfAborted } from './internal.js';

/**
 * Loop: get the newest key under `prefix` with create revision ≤ `maxCreateRev` (sort CREATE descending,
 * limit 1); if there is none, return the header of that read; otherwise wait for that key's DELETE and
 * repeat. Rejects when `signal` aborts. `options` go with every read and watch (the simulator server passes
 * its caller's credentials this way).
 */
export async function waitDeletes(
  backend: KvBackend,
  prefix: Uint8Array | string,
  maxCreateRev: number,
  signal?: AbortSignal,
  options: Omit<CallOptions, 'signal'> = {},
): Promise<ResponseHeader> {
  for (;;) {
    throwIfAborted(signal);
    const response = await backend.range(
      {
        ...prefixRange(prefix),
        maxCreateRevision: maxCreateRev,
        sortTarget: 'CREATE',
        sortOrder: 'DESCEND',
        limit: 1,
      },
      { ...options, signal },
    );
    const last = response.kvs[0];
    if (!last) return response.header;
    await waitDelete(backend, last, response.header.revision, signal, options);
  }
}

/**
 * Wait for a DELETE of `kv.key`, watching from `revision` (the header revision of the read that saw the
 * key, as Go does). A watch that ends any other way (compacted, canceled) just returns: the caller's
 * loop reads again, so nothing can be missed. Exported for the recipes' own read-then-wait loops.
 */
export async function waitDelete(
  backend: KvBackend,
  kv: KeyValue,
  revision: number,
  signal?: AbortSignal,
  options: Omit<CallOptions, 'signal'> = {},
): Promise<void> {
  const watcher = backend.watch({ key: kv.key, startRevision: revision }, { ...options, signal });
  try {
    for await (const response of watcher) {
      if (response.events.some((e) => e.type === 'DELETE')) return;
    }
  } catch (error) {
    if (!(error instanceof CompactedError)) throw error;
  } finally {
    await watcher.cancel();
  }
  throwIfAborted(signal);
}
