import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../src/common/async-queue.js';
import { watcherOnStream } from '../../src/common/watcher.js';
import { CompactedError, WatchCanceledError } from '../../src/interface/errors.js';
import type { WatchCreateRequest, WatchResponse, WatchStream } from '../../src/interface/watch.js';

/** A scripted WatchStream: records requests, replays the responses a test pushes. */
function scriptedStream() {
  const out = new AsyncQueue<WatchResponse>();
  const log: string[] = [];
  const stream: WatchStream = {
    create: (r: WatchCreateRequest) => log.push(`create ${String(r.key)}`),
    cancel: (id) => log.push(`cancel ${id}`),
    requestProgress: () => log.push('progress'),
    close: () => {
      log.push('close');
      out.end();
    },
    [Symbol.asyncIterator]: () => out,
    [Symbol.asyncDispose]: async () => stream.close(),
  };
  return { stream, out, log };
}

const header = { revision: 5, clusterId: 1n, memberId: 1n, raftTerm: 1 };
const response = (patch: Partial<WatchResponse>): WatchResponse => ({
  header,
  watchId: 0,
  created: false,
  canceled: false,
  compactRevision: 0,
  cancelReason: '',
  fragment: false,
  events: [],
  ...patch,
});
const event = {
  type: 'PUT' as const,
  kv: {
    key: new Uint8Array(),
    value: new Uint8Array(),
    createRevision: 6,
    modRevision: 6,
    version: 1,
    lease: 0n,
  },
};

describe('watcherOnStream', () => {
  it('resolves created, yields events and progress, and closes its stream when the consumer breaks', async () => {
    const { stream, out, log } = scriptedStream();
    const watcher = watcherOnStream(stream, { key: 'a' });
    out.push(response({ created: true }));
    out.push(response({ events: [event] }));
    out.push(response({ watchId: -1 }));
    expect((await watcher.created).created).toBe(true);
    const seen: number[] = [];
    for await (const r of watcher) {
      seen.push(r.events.length);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 0]);
    expect(log).toEqual(['create a', 'close']);
  });

  it('throws CompactedError with the compact revision when canceled for compaction', async () => {
    const { stream, out } = scriptedStream();
    const watcher = watcherOnStream(stream, { key: 'a', startRevision: 2 });
    out.push(response({ created: true }));
    out.push(response({ canceled: true, compactRevision: 4, header: { ...header, revision: 0 } }));
    const iterate = async () => {
      for await (const _ of watcher) {
        /* no events */
      }
    };
    await expect(iterate()).rejects.toMatchObject({ name: 'CompactedError', compactRevision: 4 });
    await expect(iterate()).rejects.toBeInstanceOf(CompactedError);
  });

  it('rejects created and throws WatchCanceledError with the reason when the create is refused', async () => {
    const { stream, out } = scriptedStream();
    const watcher = watcherOnStream(stream, { key: 'b', rangeEnd: 'a' });
    out.push(
      response({ created: true, canceled: true, watchId: -1, cancelReason: 'mvcc: watcher range is empty' }),
    );
    await expect(watcher.created).rejects.toMatchObject({ reason: 'mvcc: watcher range is empty' });
    const next = watcher[Symbol.asyncIterator]().next();
    await expect(next).rejects.toBeInstanceOf(WatchCanceledError);
  });

  it('ends quietly when its AbortSignal fires, and never creates when already aborted', async () => {
    const { stream, out, log } = scriptedStream();
    const controller = new AbortController();
    const watcher = watcherOnStream(stream, { key: 'a' }, { signal: controller.signal });
    out.push(response({ created: true }));
    const done = (async () => {
      for await (const _ of watcher) {
        /* none */
      }
      return 'ended';
    })();
    controller.abort();
    expect(await done).toBe('ended');
    const second = scriptedStream();
    watcherOnStream(second.stream, { key: 'a' }, { signal: controller.signal });
    expect(second.log).toEqual(['close']);
    expect(log).toContain('close');
  });
});
