/** Shared set-up for the etcd backend tests: a real etcd per file, and collecting watch events. */

import { afterAll, beforeAll } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import type { Watcher, WatchResponse } from '../../src/interface/watch.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

/** Collect responses from `watcher` until `done(all)` says enough; gives up after `timeoutMs`. */
export async function collect(
  watcher: Watcher,
  done: (all: WatchResponse[]) => boolean,
  timeoutMs = 20_000,
): Promise<WatchResponse[]> {
  const all: WatchResponse[] = [];
  const timer = setTimeout(() => void watcher.cancel(), timeoutMs);
  try {
    for await (const r of watcher) {
      all.push(r);
      if (done(all)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return all;
}

/** "key@modRevision" for each event, in delivery order. */
export function eventIds(responses: WatchResponse[]): string[] {
  return responses.flatMap((r) => r.events.map((e) => `${e.type} ${toText(e.kv.key)}@${e.kv.modRevision}`));
}

/** Sleep for real time (only for waiting on a real server, never for asserting speed). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real etcd and an EtcdBackend on it for the whole test file: started before the first test, closed and
 * stopped by PID after the last. Read `env.server` / `env.backend` inside tests.
 */
export function useEtcdBackend(): { readonly server: EtcdServer; readonly backend: EtcdBackend } {
  const env = {} as { server: EtcdServer; backend: EtcdBackend };
  beforeAll(async () => {
    env.server = await startEtcd();
    env.backend = new EtcdBackend({ endpoints: env.server.endpoint });
  });
  afterAll(async () => {
    await env.backend?.close();
    await env.server?.stop();
  });
  return env;
}
