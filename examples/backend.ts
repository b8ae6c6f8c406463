/**
 * The backend the examples run on: the in-memory etcd by default, a real etcd when ETCD_ENDPOINTS is set
 * (comma-separated URLs, e.g. ETCD_ENDPOINTS=http://127.0.0.1:2379).
 */

import { pathToFileURL } from 'node:url';
import type { KvBackend } from '../src/interface/backend.js';
import { MemoryBackend } from '../src/memory-backend/index.js';

/** Open the examples' backend. The etcd client (gRPC) is loaded only when it is used: faster start. */
export async function openBackend(): Promise<KvBackend> {
  const endpoints = process.env.ETCD_ENDPOINTS?.split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (endpoints?.length) {
    const { EtcdBackend } = await import('../src/etcd-backend/index.js');
    return new EtcdBackend({ endpoints });
  }
  return new MemoryBackend();
}

/** Which backend `openBackend` picks, for printing. */
export function backendName(): string {
  return process.env.ETCD_ENDPOINTS ? `etcd at ${process.env.ETCD_ENDPOINTS}` : 'memory backend';
}

/** Run `example` on a fresh backend when `moduleUrl` is the script tsx was started with. */
export function runIfMain(moduleUrl: string, example: (backend: KvBackend) => Promise<void>): void {
  const entry = process.argv[1];
  if (!entry || pathToFileURL(entry).href !== moduleUrl) return;
  void (async () => {
    const backend = await openBackend();
    try {
      await example(backend);
    } finally {
      await backend.close();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
