/** etcdserverpb.Cluster: MemberList of the one member this server is. Cluster headers carry no revision. */

import { fromBigintUnsigned } from '../wire/int64.js';
import type { ServiceContext } from './context.js';
import { credentialsOf, type ServiceHandlers } from './handlers.js';

/** The Cluster service's handlers. */
export function clusterService(ctx: ServiceContext): ServiceHandlers {
  return {
    unary: {
      MemberList: async (_client, _m, meta) => {
        ctx.store.auth.requireUser(credentialsOf(meta));
        return {
          header: ctx.headers.cluster(ctx.store.raftTerm),
          members: [
            {
              ID: fromBigintUnsigned(ctx.store.memberId),
              name: ctx.member.name,
              peerURLs: [...ctx.member.peerUrls],
              clientURLs: [...ctx.member.clientUrls],
            },
          ],
        };
      },
    },
  };
}
