/**
 * etcdserverpb.Lease. LeaseKeepAlive answers exactly one response per request, in order; an unknown
 * lease answers TTL 0 and the stream stays open; a half-close ends the stream cleanly once every
 * answer is out.
 */

import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import {
  grantIn,
  grantOut,
  keepAliveOut,
  leaseIdIn,
  leasesOut,
  revokeOut,
  timeToLiveIn,
  timeToLiveOut,
} from '../wire/lease.js';
import type { WireMessage } from '../wire/message.js';
import { DecodeFailure } from './codec.js';
import type { ServiceContext } from './context.js';
import { type BidiHandler, callAs, endWithStatus, type ServiceHandlers } from './handlers.js';
import { STOPPED, toStatus } from './status.js';

/** The Lease service's handlers. */
export function leaseService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      LeaseGrant: async (client, m, meta) => grantOut(h, await client.leaseGrant(grantIn(m), callAs(meta))),
      LeaseRevoke: async (client, m, meta) =>
        revokeOut(h, await client.leaseRevoke({ id: leaseIdIn(m) }, callAs(meta))),
      LeaseTimeToLive: async (client, m, meta) =>
        timeToLiveOut(h, await client.leaseTimeToLive(timeToLiveIn(m), callAs(meta))),
      LeaseLeases: async (client, _m, meta) => leasesOut(h, await client.leaseLeases(callAs(meta))),
    },
    bidi: { LeaseKeepAlive: keepAliveStream(ctx) },
  };
}

function keepAliveStream(ctx: ServiceContext): BidiHandler {
  return (call, client: MemoryBackend, meta) => {
    const as = callAs(meta);
    // Answers are chained so that they leave in request order.
    let chain: Promise<void> = Promise.resolve();
    let finished = false;
    const finish = (): void => {
      finished = true;
      untrack();
    };
    const untrack = ctx.trackStream(() => {
      finish();
      endWithStatus(call, STOPPED);
    });
    call.on('data', (m: WireMessage | DecodeFailure) => {
      if (finished) return;
      chain = chain.then(async () => {
        if (finished) return;
        if (m instanceof DecodeFailure) {
          // After the answers to the requests before it, as etcd's receive loop does.
          finish();
          endWithStatus(call, m.stream);
          return;
        }
        try {
          const response = await client.leaseKeepAlive({ id: leaseIdIn(m) }, as);
          if (!finished) call.write(keepAliveOut(ctx.headers, response));
        } catch (error) {
          finish();
          endWithStatus(call, toStatus(error));
        }
      });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (finished) return;
        finish();
        call.end();
      });
    });
    call.on('cancelled', finish);
    call.on('error', finish);
    call.on('close', finish);
  };
}
