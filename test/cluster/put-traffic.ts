/**
 * Steady put traffic for failover tests and the failover benchmark: a few workers, each putting a new
 * unique key as soon as its previous put settles, recording every outcome with its timing. Client-agnostic:
 * the caller supplies one put function (the etcd backend, or raw etcd3).
 */

import { performance } from 'node:perf_hooks';

/** What a successful put reports: the revision it made and the raft term that answered it. */
export interface PutOutcome {
  revision: number;
  raftTerm: number;
}

/** One put: write `value` at `key`, resolve once the server answered. */
export type PutFn = (key: string, value: string) => Promise<PutOutcome>;

/** One finished put. Times are `performance.now()` milliseconds. */
export interface PutRecord {
  key: string;
  value: string;
  start: number;
  end: number;
  /** Set when the put resolved. */
  outcome?: PutOutcome;
  /** Set when the put rejected. */
  error?: unknown;
}

/** Running traffic; `records` grows as puts finish. */
export interface PutTraffic {
  readonly records: PutRecord[];
  /** Puts started and not yet settled. */
  inFlight(): number;
  /** Stop starting puts and wait for the ones in flight to settle. */
  stop(): Promise<void>;
}

/** Options for {@link startPutTraffic}. */
export interface PutTrafficOptions {
  /** Key prefix; each key is `${prefix}${worker}/${sequence}`. */
  prefix: string;
  /** Concurrent workers (default 4). */
  workers?: number;
  /** Pause after a failed put, so a client that fails fast does not spin (default 10 ms). */
  pauseAfterErrorMs?: number;
}

/** Start `workers` loops of sequential puts of unique keys. */
export function startPutTraffic(put: PutFn, options: PutTrafficOptions): PutTraffic {
  const records: PutRecord[] = [];
  const pause = options.pauseAfterErrorMs ?? 10;
  let stopping = false;
  let inFlight = 0;
  const worker = async (w: number): Promise<void> => {
    for (let seq = 0; !stopping; seq++) {
      const key = `${options.prefix}${w}/${String(seq).padStart(7, '0')}`;
      const value = `v${w}.${seq}`;
      const start = performance.now();
      inFlight++;
      try {
        const outcome = await put(key, value);
        records.push({ key, value, start, end: performance.now(), outcome });
      } catch (error) {
        records.push({ key, value, start, end: performance.now(), error });
        await new Promise((resolve) => setTimeout(resolve, pause));
      } finally {
        inFlight--;
      }
    }
  };
  const running = Array.from({ length: options.workers ?? 4 }, (_, w) => worker(w));
  return {
    records,
    inFlight: () => inFlight,
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}

/** Resolve once `predicate` holds, polling every 20 ms; reject after `timeoutMs` with `what`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
