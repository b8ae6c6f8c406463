/**
 * Runs each recipe test on both backends: the memory backend on a ManualClock (time moves only when
 * the test drives it, so lease expiry is instant and deterministic) and a real etcd started per file
 * (real time, short TTLs). `env.until(promise)` is how a test waits for work that needs time to pass.
 */

import { afterAll, beforeAll, describe } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { prefixRange, toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import type { KvBackend } from '../../src/interface/backend.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

/** One test's environment on one backend. */
export interface Env extends AsyncDisposable {
  readonly kind: 'memory' | 'etcd';
  readonly backend: KvBackend;
  /** The manual clock (memory only). */
  readonly clock: ManualClock | undefined;
  /** A key prefix of this test's own, ending in "/". */
  readonly prefix: string;
  /** Minimum lease TTL (s) of the target. */
  readonly minTtl: number;
  /** Let `ms` of time pass (manual clock in 50 ms steps, or a real sleep). */
  advance(ms: number): Promise<void>;
  /** Await `promise`, moving time forward meanwhile; fail after `maxMs` of (clock) time. */
  until<T>(promise: Promise<T>, maxMs?: number): Promise<T>;
  /** Re-check until `check` stops throwing, moving time forward; fail after `maxMs`. */
  waitFor<T>(check: () => Promise<T>, maxMs?: number): Promise<T>;
  /** Keys under the test's prefix, as text. */
  keys(): Promise<string[]>;
  /** Another client on the same store (etcd: a new connection; memory: the same backend). */
  client(): KvBackend;
}

/** A backend kind and a way to open environments on it. */
export interface Target {
  readonly kind: 'memory' | 'etcd';
  open(): Promise<Env>;
}

let counter = 0;

/** `describe` the body once per backend: "<title> [memory]" and "<title> [etcd]". */
export function forBackends(title: string, body: (target: Target) => void): void {
  describe(`${title} [memory]`, () => body(memoryTarget()));
  describe(`${title} [etcd]`, () => {
    let server: EtcdServer | undefined;
    beforeAll(async () => {
      server = await startEtcd();
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    }, 30_000);
    body(etcdTarget(() => server));
  });
}

function newPrefix(kind: string): string {
  return `recipes/${kind}/${process.pid}-${++counter}/`;
}

function memoryTarget(): Target {
  return {
    kind: 'memory',
    async open() {
      const clock = new ManualClock();
      const backend = new MemoryBackend({ clock, minLeaseTtl: 1 });
      const prefix = newPrefix('memory');
      const advance = (ms: number) => clock.advanceAsync(ms, 50);
      const until = async <T>(promise: Promise<T>, maxMs = 600_000): Promise<T> => {
        let settled = false;
        promise.then(
          () => {
            settled = true;
          },
          () => {
            settled = true;
          },
        );
        await clock.advanceAsync(0);
        let waited = 0;
        while (!settled) {
          if (waited >= maxMs) throw new Error(`not settled after ${maxMs} ms of manual-clock time`);
          await clock.advanceAsync(50, 50);
          waited += 50;
        }
        return promise;
      };
      return {
        kind: 'memory',
        backend,
        clock,
        prefix,
        minTtl: 1,
        advance,
        until,
        waitFor: (check, maxMs = 10_000) => waitFor(check, maxMs, advance),
        keys: () => keysUnder(backend, prefix),
        client: () => backend,
        [Symbol.asyncDispose]: () => backend.close(),
      };
    },
  };
}

function etcdTarget(server: () => EtcdServer | undefined): Target {
  return {
    kind: 'etcd',
    async open() {
      const s = server();
      if (!s) throw new Error('etcd not started');
      const clients: KvBackend[] = [];
      const client = (): KvBackend => {
        const c = new EtcdBackend({ endpoints: [s.endpoint] });
        clients.push(c);
        return c;
      };
      const backend = client();
      const prefix = newPrefix('etcd');
      const advance = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
      const until = <T>(promise: Promise<T>, maxMs = 60_000): Promise<T> =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`not settled after ${maxMs} ms`)), maxMs);
          promise.then(
            (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            (e) => {
              clearTimeout(timer);
              reject(e);
            },
          );
        });
      return {
        kind: 'etcd',
        backend,
        clock: undefined,
        prefix,
        minTtl: s.minLeaseTtl,
        advance,
        until,
        waitFor: (check, maxMs = 10_000) => waitFor(check, maxMs, advance),
        keys: () => keysUnder(backend, prefix),
        client,
        async [Symbol.asyncDispose]() {
          await Promise.all(clients.map((c) => c.close()));
        },
      };
    },
  };
}

async function waitFor<T>(check: () => Promise<T>, maxMs: number, advance: (ms: number) => Promise<void>) {
  let waited = 0;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (waited >= maxMs) throw error;
    }
    await advance(50);
    waited += 50;
  }
}

async function keysUnder(backend: KvBackend, prefix: string): Promise<string[]> {
  const response = await backend.range({ ...prefixRange(prefix), keysOnly: true });
  return response.kvs.map((kv) => toText(kv.key));
}

/** A seeded PRNG (mulberry32): deterministic randomness whose seed the test prints. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for randomized tests: RECIPES_SEED to replay, else a fresh one. Printed by the caller. */
export function testSeed(): number {
  const fromEnv = process.env.RECIPES_SEED;
  return fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
}
