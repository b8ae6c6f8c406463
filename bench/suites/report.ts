/**
 * The performance report (issue 7): one run measures the same workloads on the memory backend, the etcd
 * backend and raw etcd3 calls against an etcd it starts itself, then memory-backend cost and heap at 1k,
 * 100k and 1M keys, and writes BENCHMARKS.md and benchmarks-chart.svg at the repository root.
 * Run: `npm run bench -- report` (add `--quick` for a short run that skips the 1M-key point).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { startEtcd } from '../../src/testing/etcd-server.js';
import type { BenchOptions } from '../main.js';
import { CHART, type Row, renderReport } from '../report/document.js';
import { table, us, verdict } from '../report/markdown.js';
import { type MeasureOptions, measure, type Timing } from '../report/measure.js';
import { recipeCycles } from '../report/recipe-cycles.js';
import { repoRoot } from '../report/root.js';
import { scaling } from '../report/scaling.js';
import { renderServerSection, serverFigures, serverTargets } from '../report/server.js';
import { renderSimulationSection, simulationFigures, simulationTargets } from '../report/simulation.js';
import { lineChart } from '../report/svg.js';
import { backendTasks, OPS_PER_CALL, rawTasks, WORKLOADS } from '../report/workloads.js';

const ROOT = repoRoot();

/** A timing of a call that performs `n` operations, as the timing of one operation. */
function perOp(t: Timing, n: number): Timing {
  return { us: t.us / n, opsPerSec: t.opsPerSec * n, samples: t.samples, rounds: t.rounds.map((x) => x / n) };
}

/** Every workload on the memory backend, the etcd backend and raw etcd3, against a fresh etcd. */
async function compareTargets(options: MeasureOptions): Promise<{ rows: Row[]; etcdVersion: string }> {
  const server = await startEtcd();
  const memory = new MemoryBackend({ minLeaseTtl: server.minLeaseTtl });
  const adapter = new EtcdBackend({ endpoints: server.endpoint });
  const client = new Etcd3({ hosts: server.endpoint });
  try {
    const etcdVersion = (await adapter.status()).version;
    const m = await backendTasks(memory, 'bench/m');
    const b = await backendTasks(adapter, 'bench/b');
    const r = await rawTasks(client, 'bench/r');
    const rows: Row[] = [];
    for (const workload of WORKLOADS) {
      // All three in every round, in rotating order: each ratio is taken round by round.
      const t = await measure(
        { memory: m.tasks[workload], backend: b.tasks[workload], raw: r.tasks[workload] },
        options,
      );
      const n = OPS_PER_CALL[workload] ?? 1;
      const row = {
        workload,
        memory: perOp(t.memory!, n),
        backend: perOp(t.backend!, n),
        raw: perOp(t.raw!, n),
      };
      console.log(
        `  ${workload}: memory ${us(row.memory.us)} µs, etcd backend ${us(row.backend.us)} µs, raw etcd3 ${us(row.raw.us)} µs`,
      );
      rows.push(row);
    }
    await m.close();
    await b.close();
    await r.close();
    return { rows, etcdVersion };
  } finally {
    client.close();
    await adapter.close();
    await memory.close();
    await server.stop();
  }
}

/** Run the report suite and write BENCHMARKS.md and the chart. */
export async function run({ quick }: BenchOptions): Promise<void> {
  // Many short rounds: ratios are taken round by round, and more rounds give a tighter confidence
  // interval for the median overhead of the etcd backend over raw etcd3.
  const options: MeasureOptions = quick ? { time: 80, rounds: 9, iterations: 5 } : { time: 100, rounds: 31 };
  const scaleOptions: MeasureOptions = quick
    ? { time: 80, rounds: 3, iterations: 5 }
    : { time: 150, rounds: 9 };
  console.log(`${quick ? 'quick' : 'full'} run; memory vs etcd backend vs raw etcd3:`);
  const { rows, etcdVersion } = await compareTargets(options);
  const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
  console.log(`memory backend at ${sizes.join(', ')} keys${quick ? ' (quick: 1M-key point skipped)' : ''}:`);
  const scale = await scaling(sizes, scaleOptions);
  const recipeOptions: MeasureOptions = quick
    ? { time: 80, rounds: 3, iterations: 5 }
    : { time: 100, rounds: 9 };
  console.log('recipes, uncontended cycles on memory and etcd:');
  const recipes = await recipeCycles(recipeOptions);
  for (const r of recipes.rows)
    console.log(
      `  ${r.cycle}: memory ${us(r.memory.us)} µs, etcd backend ${us(r.etcd.us)} µs (${r.requests} requests)`,
    );
  const server = await serverFigures(quick);
  console.log('simulation: the lock scenario under seeded fault schedules:');
  const simulation = await simulationFigures(quick);
  const md = renderReport(
    quick,
    options,
    scaleOptions,
    etcdVersion,
    rows,
    scale,
    { rows: recipes.rows, options: recipeOptions },
    {
      sections: [renderServerSection(server, table), renderSimulationSection(simulation)],
      targets: [...serverTargets(server, verdict), ...simulationTargets(simulation, verdict)],
    },
  );
  const chart = lineChart(
    [
      { name: 'scattered put', color: '#d62728', points: scale.map((p) => [p.keys, p.putUs]) },
      { name: 'scattered get', color: '#1f77b4', points: scale.map((p) => [p.keys, p.getUs]) },
      { name: 'scattered range 100', color: '#2ca02c', points: scale.map((p) => [p.keys, p.rangeUs]) },
      { name: 'seq put', color: '#ff9896', points: scale.map((p) => [p.keys, p.seqPutUs]) },
      { name: 'seq get', color: '#aec7e8', points: scale.map((p) => [p.keys, p.seqGetUs]) },
      { name: 'seq range 100', color: '#98df8a', points: scale.map((p) => [p.keys, p.seqRangeUs]) },
      { name: 'floor: btree get', color: '#7f7f7f', points: scale.map((p) => [p.keys, p.floorGetUs]) },
      { name: 'floor: Map get', color: '#bcbd22', points: scale.map((p) => [p.keys, p.mapGetUs]) },
    ],
    {
      title: 'Memory backend: cost per operation',
      xLabel: 'keys in store (log scale)',
      yLabel: 'µs per operation (log scale)',
    },
  );
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), md);
  writeFileSync(join(ROOT, CHART), chart);
  console.log(`\n${md}\nwrote BENCHMARKS.md and ${CHART}`);
}
