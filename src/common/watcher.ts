/** One watcher on its own WatchStream, as an async iterator: shared by every backend. */

import { CompactedError, WatchCanceledError } from '../interface/errors.js';
import type {
  WatchCreateRequest,
  Watcher,
  WatchOptions,
  WatchResponse,
  WatchStream,
} from '../interface/watch.js';
import { AsyncQueue } from './async-queue.js';

/**
 * Create `request` on `stream` and expose it as a {@link Watcher}. The stream belongs to the watcher:
 * it is closed when the watcher ends for any reason.
 */
export function watcherOnStream(
  stream: WatchStream,
  request: WatchCreateRequest,
  options?: WatchOptions,
): Watcher {
  const signal = options?.signal;
  let resolveCreated!: (r: WatchResponse) => void;
  let rejectCreated!: (e: unknown) => void;
  const created = new Promise<WatchResponse>((resolve, reject) => {
    resolveCreated = resolve;
    rejectCreated = reject;
  });
  // The caller may never look at `created`; a rejection there must not become an unhandled one.
  created.catch(() => {});

  let finished = false;
  let wasCreated = false;
  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener('abort', onAbort);
    if (error === undefined) queue.end();
    else queue.fail(error);
    // Once created, the promise is settled: do not build an error (and its stack) nobody can see.
    if (!wasCreated) rejectCreated(error ?? new WatchCanceledError());
    stream.close();
  };
  const onAbort = (): void => finish();
  const queue = new AsyncQueue<WatchResponse>(() => finish());

  if (signal?.aborted) {
    finish();
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.create(request);
    void (async () => {
      try {
        for await (const response of stream) {
          if (finished) return;
          if (response.created && !response.canceled) {
            wasCreated = true;
            resolveCreated(response);
            continue;
          }
          if (response.canceled) {
            if (response.compactRevision !== 0) finish(new CompactedError(response.compactRevision));
            else if (response.cancelReason) finish(new WatchCanceledError(response.cancelReason));
            else finish();
            return;
          }
          queue.push(response);
        }
        finish();
      } catch (error) {
        finish(error);
      }
    })();
  }

  return {
    created,
    requestProgress: () => stream.requestProgress(),
    cancel: async () => finish(),
    [Symbol.asyncIterator]: () => queue,
    [Symbol.asyncDispose]: async () => finish(),
  };
}
