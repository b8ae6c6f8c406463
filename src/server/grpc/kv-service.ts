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
import { callAs, type ServiceHandlers } from './handlers.js';

/** The KV service's handlers. */
export function kvService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Range: async (client, m, meta) => rangeOut(h, await client.range(rangeIn(m), callAs(meta))),
      Put: async (client, m, meta) => putOut(h, await client.put(putIn(m), callAs(meta))),
      DeleteRange: async (client, m, meta) =>
        deleteOut(h, await client.deleteRange(deleteIn(m), callAs(meta))),
      Txn: async (client, m, meta) => txnOut(h, await client.txn(txnIn(m), callAs(meta))),
      Compact: async (client, m, meta) => compactOut(h, await client.compact(compactIn(m), callAs(meta))),
    },
  };
}
