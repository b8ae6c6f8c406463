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
import type { ServiceHandlers } from './handlers.js';

/** The Maintenance service's handlers. */
export function maintenanceService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Status: async (client, _m, o) => statusOut(h, await client.status(o)),
      Alarm: async (client, m, o) => alarmOut(await client.alarm(alarmIn(m), o)),
      Hash: async (client, _m, o) => {
        const r = await client.hash(o);
        return { header: h.full(r.header), hash: r.hash };
      },
      HashKV: async (client, m, o) => {
        const r = await client.hashKv(hashKvIn(m), o);
        return { header: h.full(r.header), hash: r.hash, compact_revision: r.compactRevision };
      },
      Defragment: async (client, _m, o) => {
        await client.defragment(o);
        return {};
      },
      MoveLeader: async (client, m, o) => {
        await client.moveLeader({ targetId: uint64In(m, 'targetID') }, o);
        return {};
      },
    },
    serverStream: {
      Snapshot: async function* (client, _m, o): AsyncGenerator<WireMessage> {
        await client.status(o); // the client's checks (closed, faults) before the store is read
        for (const { blob, remainingBytes } of snapshotMessages(client.store.snapshot())) {
          const out: WireMessage = { blob };
          if (remainingBytes !== 0) out.remaining_bytes = remainingBytes;
          yield out;
        }
      },
    },
  };
}
