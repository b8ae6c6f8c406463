/**
 * etcdserverpb.Watch: one store watch stream per gRPC stream. Responses are pulled from the store's
 * stream only while the call can take them, so a slow client holds back nothing but its own watchers.
 * A half-closed stream keeps delivering events, as etcd's does, until the client cancels it.
 */

import type { WatchResponse } from '../../interface/watch.js';
import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import type { WireMessage } from '../wire/message.js';
import { fragments, watchRequestIn, watchResponseOut } from '../wire/watch.js';
import { WatchIdMap } from '../wire/watch-ids.js';
import type { Codec } from './codec.js';
import { DecodeFailure } from './codec.js';
import type { ServiceContext } from './context.js';
import { type BidiHandler, credentialsOf, drained, endWithStatus, type ServiceHandlers } from './handlers.js';
import { STOPPED, toStatus } from './status.js';

/** etcd sends responses over max-request-bytes plus gRPC's overhead allowance in fragments, if asked. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** The Watch service's handlers; `codec` measures responses for fragmenting. */
export function watchService(ctx: ServiceContext, codec: Codec<WireMessage>): ServiceHandlers {
  return { bidi: { Watch: watchStream(ctx, codec) } };
}

function watchStream(ctx: ServiceContext, codec: Codec<WireMessage>): BidiHandler {
  const limit = ctx.store.maxRequestBytes + GRPC_OVERHEAD_BYTES;
  const size = (m: WireMessage): number => codec.serialize(m).length;
  return (call, client: MemoryBackend, meta) => {
    // The stream's credentials are those it opened with, as with a gRPC stream's metadata.
    const stream = client.watchStream({ credentials: credentialsOf(meta) });
    const ids = new WatchIdMap();
    // Creates not yet answered (answers come in request order), then fragmenting watchers by store ID.
    const pendingCreates: { fragment: boolean; standIn: number | undefined }[] = [];
    const fragmentIds = new Set<number>();
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      untrack();
      stream.close();
    };
    const untrack = ctx.trackStream(() => {
      finish();
      endWithStatus(call, STOPPED);
    });

    call.on('data', (m: WireMessage | DecodeFailure) => {
      if (finished) return;
      if (m instanceof DecodeFailure) {
        finish();
        endWithStatus(call, m.stream);
        return;
      }
      try {
        const request = watchRequestIn(m);
        if (request.kind === 'create') {
          const { id, fresh } = ids.forCreate(request.watchId);
          pendingCreates.push({
            fragment: request.request.fragment === true,
            standIn: fresh ? id : undefined,
          });
          stream.create(id === 0 ? request.request : { ...request.request, watchId: id });
        } else if (request.kind === 'cancel') {
          const id = ids.forCancel(request.watchId);
          if (id !== undefined) stream.cancel(id);
        } else if (request.kind === 'progress') stream.requestProgress();
      } catch (error) {
        finish();
        endWithStatus(call, toStatus(error));
      }
    });
    call.on('cancelled', finish);
    call.on('error', finish);
    call.on('close', finish);

    const send = async (response: WatchResponse): Promise<void> => {
      if (response.created) {
        const create = pendingCreates.shift();
        if (response.canceled) {
          if (create?.standIn !== undefined) ids.release(create.standIn); // refused
        } else if (create?.fragment) fragmentIds.add(response.watchId);
      }
      const out = watchResponseOut(ctx.headers, response);
      if (response.watchId !== 0) out.watch_id = ids.toWire(response.watchId);
      if (response.canceled && !response.created) {
        fragmentIds.delete(response.watchId);
        ids.release(response.watchId);
      }
      const pieces = fragmentIds.has(response.watchId) ? fragments(out, size, limit) : [out];
      for (const piece of pieces) {
        if (finished) return;
        if (!call.write(piece)) await drained(call);
      }
    };
    void (async () => {
      try {
        for await (const response of stream) {
          if (finished) break;
          await send(response);
        }
      } catch (error) {
        if (!finished) {
          finish();
          endWithStatus(call, toStatus(error));
        }
      }
    })();
  };
}
