/**
 * v3lockpb.Lock: Lock and Unlock onto the server's lock (../concurrency/lock.ts). etcd runs these through
 * an embedded client, whose errors reach the caller as UNKNOWN with etcd's text (see viaEmbeddedClient).
 */

import { etcdBehaviour } from '../../memory-backend/etcd-version.js';
import { lock, unlock } from '../concurrency/lock.js';
import { bigintOf, bytesOf } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { caller, type ServiceHandlers, viaEmbeddedClient } from './handlers.js';

/** The Lock service's handlers; Lock waits, so it always learns when its caller gives up. */
export function lockService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  const checkSession = etcdBehaviour(ctx.store.etcdVersion).lockChecksSessionAfterWait;
  return {
    unary: {
      Lock: viaEmbeddedClient(async (client, m, meta) => {
        const r = await lock(
          caller(ctx, client, meta),
          bytesOf(m, 'name'),
          bigintOf(m, 'lease'),
          checkSession,
        );
        return { header: h.full(r.header), key: r.key };
      }),
      Unlock: viaEmbeddedClient(async (client, m, meta) => ({
        header: h.full(await unlock(caller(ctx, client, meta), bytesOf(m, 'key'))),
      })),
    },
    waits: new Set(['Lock']),
  };
}
