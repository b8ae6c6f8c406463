/**
 * The simulator server beside a real etcd: start-to-ready, throughput through raw etcd3 at 1, 16 and 128
 * requests in flight, and resident memory at 1M keys. `npm run bench -- server` (`--quick`: shorter runs,
 * 100k keys). The report suite includes the same figures in BENCHMARKS.md.
 */

import type { BenchOptions } from '../main.js';
import { measureMemory, measureStartup, measureThroughput } from '../report/server.js';

export async function run({ quick }: BenchOptions): Promise<void> {
  console.log('start to ready (median ms):');
  const s = await measureStartup(quick ? 3 : 11);
  console.log(
    `  startServer() ${s.inProcess.toFixed(1)}, CLI ${s.cli.toFixed(1)}, etcd ${s.etcd.toFixed(1)}`,
  );
  console.log('throughput through raw etcd3 (median ops/s):');
  await measureThroughput([1, 16, 128], quick ? 500 : 2_000, quick ? 1 : 3);
  console.log('resident memory:');
  await measureMemory(quick ? 100_000 : 1_000_000);
}
