/**
 * The simulator server beside a real etcd: start-to-ready, throughput through raw etcd3 at 1, 16 and 128
 * requests in flight (with each server's CPU per operation), and resident memory at 1M keys.
 * `npm run bench -- server` (`--quick`: shorter runs, 100k keys). The report suite puts the same figures
 * in BENCHMARKS.md.
 */

import type { BenchOptions } from '../main.js';
import { serverFigures } from '../report/server.js';

export async function run({ quick }: BenchOptions): Promise<void> {
  await serverFigures(quick);
}
