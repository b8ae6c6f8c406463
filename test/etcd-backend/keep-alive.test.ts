/** One shared keepalive stream: concurrent renewals of many leases each get their own reply. */

import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/interface/errors.js';

import { useEtcdBackend } from './helpers.js';

const env = useEtcdBackend();

describe('leaseKeepAlive', () => {
  it('concurrent renewals of different leases (and twice the same) are matched to their replies by ID', async () => {
    const leases = await Promise.all(
      Array.from({ length: 8 }, (_, i) => env.backend.leaseGrant({ ttl: 10 + i })),
    );
    const ids = [...leases.map((l) => l.id), leases[0]!.id];
    const replies = await Promise.all(ids.map((id) => env.backend.leaseKeepAlive({ id })));
    expect(replies.map((r) => r.id)).toEqual(ids);
    expect(replies.map((r) => r.ttl)).toEqual([...leases.map((l) => l.ttl), leases[0]!.ttl]);
    await env.backend.leaseRevoke({ id: leases[3]!.id });
    const again = await Promise.all(leases.map((l) => env.backend.leaseKeepAlive({ id: l.id })));
    expect(again.map((r) => r.ttl)).toEqual(leases.map((l, i) => (i === 3 ? 0 : l.ttl)));
    for (const [i, l] of leases.entries()) if (i !== 3) await env.backend.leaseRevoke({ id: l.id });
  });

  it('an aborted signal rejects with AbortError', async () => {
    const { id } = await env.backend.leaseGrant({ ttl: 10 });
    const controller = new AbortController();
    controller.abort();
    await expect(env.backend.leaseKeepAlive({ id }, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    await expect(env.backend.range({ key: 'x' }, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    await env.backend.leaseRevoke({ id });
  });
});
