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
      Range: async (client, m) => rangeOut(h, await client.range(rangeIn(m))),
      Put: async (client, m) => putOut(h, await client.put(putIn(m))),
      DeleteRange: async (client, m) => deleteOut(h, await client.deleteRange(deleteIn(m))),
      Txn: async (client, m) => txnOut(h, await client.txn(txnIn(m))),
      Compact: async (client, m) => compactOut(h, await client.compact(compactIn(m))),
    },
  };
}
