/** etcdserverpb.KV: each RPC is one store call through the connection's client. */

import {
  compactIn,
  compactOut,
  deleteIn,
  deleteOut,
  putIn,
  putOut,
  rangeIn,
  rangeOut,
  txnIn,
  txnOut,
} from '../wire/kv.js';
import type { ServiceContext } from './context.js';
import type { ServiceHandlers } from './handlers.js';

/** The KV service's handlers. */
export function kvService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Range: async (client, m, o) => rangeOut(h, await client.range(rangeIn(m), o)),
      Put: async (client, m, o) => putOut(h, await client.put(putIn(m), o)),
      DeleteRange: async (client, m, o) => deleteOut(h, await client.deleteRange(deleteIn(m), o)),
      Txn: async (client, m, o) => txnOut(h, await client.txn(txnIn(m), o)),
      Compact: async (client, m, o) => compactOut(h, await client.compact(compactIn(m), o)),
    },
  };
}
