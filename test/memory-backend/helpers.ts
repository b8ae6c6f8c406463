/** Shared helpers for the memory backend's own tests. */

import { ManualClock } from '../../src/clock/manual-clock.js';
import { toText } from '../../src/common/bytes.js';
import type { WatchResponse } from '../../src/interface/watch.js';
import { MemoryBackend, type MemoryBackendOptions } from '../../src/memory-backend/index.js';

/** A backend on a manual clock with the test server's minimum TTL (1 s) and a fixed seed. */
export function setup(options: MemoryBackendOptions = {}): { clock: ManualClock; backend: MemoryBackend } {
  const clock = new ManualClock();
  const backend = new MemoryBackend({ clock, minLeaseTtl: 1, seed: 42, ...options });
  return { clock, backend };
}

/** Current revision. */
export async function rev(backend: MemoryBackend): Promise<number> {
  return (await backend.status()).header.revision;
}

/** Every live key and value, as text. */
export async function dump(backend: MemoryBackend): Promise<Record<string, string>> {
  const all = await backend.range({ key: '\0', rangeEnd: '\0' });
  return Object.fromEntries(all.kvs.map((kv) => [toText(kv.key), toText(kv.value)]));
}

/** Reads a stream's responses that are ready now, without losing one to an abandoned next(). */
export class Reader {
  readonly #it: AsyncIterator<WatchResponse>;
  #pending: Promise<IteratorResult<WatchResponse>> | undefined;
  /** True once the stream ended. */
  done = false;

  constructor(stream: AsyncIterable<WatchResponse>) {
    this.#it = stream[Symbol.asyncIterator]();
  }

  /** Every response available after letting pending callbacks run. */
  async take(max = 100_000): Promise<WatchResponse[]> {
    const out: WatchResponse[] = [];
    while (out.length < max && !this.done) {
      const p = this.#pending ?? this.#it.next();
      const next = await Promise.race([p, new Promise<'none'>((r) => setImmediate(() => r('none')))]);
      if (next === 'none') {
        this.#pending = p;
        break;
      }
      this.#pending = undefined;
      if (next.done) this.done = true;
      else out.push(next.value);
    }
    return out;
  }
}

/** Events of responses as "TYPE key@rev" strings. */
export function eventsOf(responses: WatchResponse[]): string[] {
  return responses.flatMap((r) => r.events.map((e) => `${e.type} ${toText(e.kv.key)}@${e.kv.modRevision}`));
}
