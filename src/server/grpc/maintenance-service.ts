/**
 * etcdserverpb.Maintenance: Status with the fields a single member reports, and the alarm list (this
 * store raises no alarms yet). The other RPCs answer UNIMPLEMENTED (see grpc-server.ts).
 */

import { GrpcStatus, UnknownServerError } from '../../interface/errors.js';
import { fromBigintUnsigned } from '../wire/int64.js';
import { enumOf, type WireMessage } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { callAs, credentialsOf, type ServiceHandlers } from './handlers.js';

const ALARM_GET = 0;

/** The Maintenance service's handlers. */
export function maintenanceService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Status: async (client, _m, meta) => {
        const s = await client.status(callAs(meta));
        const out: WireMessage = {
          header: h.full(s.header),
          version: s.version,
          dbSize: s.dbSize,
          leader: fromBigintUnsigned(s.leader),
          raftIndex: s.raftIndex,
          raftTerm: s.raftTerm,
          raftAppliedIndex: s.raftIndex,
          dbSizeInUse: s.dbSize,
        };
        return out;
      },
      // etcd's AlarmResponse carries no header.
      Alarm: async (_client, m, meta) => {
        if (enumOf(m, 'action') === ALARM_GET) {
          ctx.store.auth.checkMaintenance(credentialsOf(meta), 'user');
          return {};
        }
        throw new UnknownServerError(
          GrpcStatus.UNIMPLEMENTED,
          'etcd-kv-kit: alarm activate and deactivate are not served yet',
        );
      },
    },
  };
}
