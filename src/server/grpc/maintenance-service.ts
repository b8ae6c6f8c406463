/**
 * etcdserverpb.Maintenance, as one member answers it: Status with every field (alarms in `errors`),
 * Alarm, Hash, HashKV, Defragment, Snapshot (32 KiB chunks, then the SHA-256 of the data, as etcd sends
 * them; the data is the simulator's own snapshot format, not a bolt file) and MoveLeader (to itself only).
 * Alarm, Defragment, MoveLeader and Snapshot answers carry no header, as etcd's do.
 */

import { snapshotMessages } from '../../memory-backend/maintenance/snapshot.js';
import { alarmIn, alarmOut, hashKvIn, statusOut, uint64In } from '../wire/maintenance.js';
import type { WireMessage } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { callAs, credentialsOf, type ServiceHandlers } from './handlers.js';

/** The Maintenance service's handlers. */
export function maintenanceService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Status: async (client, _m, meta) => statusOut(h, await client.status(callAs(meta))),
      Alarm: async (client, m, meta) => alarmOut(await client.alarm(alarmIn(m), callAs(meta))),
      Hash: async (client, _m, meta) => {
        const r = await client.hash(callAs(meta));
        return { header: h.full(r.header), hash: r.hash };
      },
      HashKV: async (client, m, meta) => {
        const r = await client.hashKv(hashKvIn(m), callAs(meta));
        return { header: h.full(r.header), hash: r.hash, compact_revision: r.compactRevision };
      },
      Defragment: async (client, _m, meta) => {
        await client.defragment(callAs(meta));
        return {};
      },
      MoveLeader: async (client, m, meta) => {
        await client.moveLeader({ targetId: uint64In(m, 'targetID') }, callAs(meta));
        return {};
      },
    },
    serverStream: {
      Snapshot: async function* (client, _m, meta): AsyncGenerator<WireMessage> {
        await client.status(callAs(meta)); // the client's checks (closed, faults) before the store is read
        const data = client.store.snapshot(credentialsOf(meta));
        for (const { blob, remainingBytes } of snapshotMessages(data)) {
          const out: WireMessage = { blob };
          if (remainingBytes !== 0) out.remaining_bytes = remainingBytes;
          yield out;
        }
      },
    },
  };
}
