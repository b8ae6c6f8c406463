/**
 * The simulator server beside a real etcd, in one run: start-to-ready, throughput through raw etcd3 at
 * several requests in flight, and resident memory holding 1M keys. Both servers run in their own
 * process; the etcd3 client runs in the bench process, the same for both.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { startServer } from '../../src/server/index.js';
import { scratchBase, singleMemberArgs } from '../../src/testing/etcd-args.js';
import { type EtcdServer, freePort, startEtcd } from '../../src/testing/etcd-server.js';

/** The CLI as it ships: the bundle `npm run bench` builds (scripts/bundle-cli.mjs), from dist/bench/bench/report. */
const CLI = fileURLToPath(new URL('../../../cli/etcd-kv-kit.cjs', import.meta.url));

/** Median of `xs`. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A server under test: its client URL and process ID. */
interface Target {
  name: 'simulator' | 'etcd';
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Start the CLI; resolves with the ready line's URL and the ms from spawn to that line. */
async function startCli(extra: string[] = []): Promise<{ target: Target; readyMs: number }> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'serve', '--listen-client-urls', 'http://127.0.0.1:0', ...extra],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready to serve client requests on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`CLI exited (${code}) before ready: ${out}`)));
  });
  const readyMs = performance.now() - t0;
  const target: Target = {
    name: 'simulator',
    endpoint: url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
  return { target, readyMs };
}

function etcdTarget(server: EtcdServer): Target {
  return { name: 'etcd', endpoint: server.endpoint, pid: server.pid, stop: () => server.stop() };
}

/** Start-to-ready times in ms: the median, and the fastest and slowest start. */
export interface StartupSpread {
  median: number;
  min: number;
  max: number;
}

/** Start-to-ready figures of the three ways to get a server. */
export interface StartupFigures {
  inProcess: StartupSpread;
  cli: StartupSpread;
  etcd: StartupSpread;
  runs: number;
}

function spread(xs: number[]): StartupSpread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * Time one etcd start with the test harness's flags, from spawn to etcd's own ready line ("ready to
 * serve client requests", printed once it serves clients), the counterpart of the CLI's ready line.
 * Ports and the data dir are picked before the clock starts, and no watchdog is spawned: startEtcd()'s
 * bookkeeping is not etcd's start time.
 */
async function timeEtcdStart(): Promise<number> {
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  const dataDir = mkdtempSync(join(scratchBase(), 'etcd-bench-'));
  const args = singleMemberArgs({ dataDir, clientUrl, peerUrl, heartbeatMs: 10, electionMs: 100 });
  const t0 = performance.now();
  const child = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    return await new Promise<number>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/ready to serve client requests/.test(log)) resolve(performance.now() - t0);
      });
      child.once('exit', (code) =>
        reject(new Error(`etcd exited (${code}) before ready: ${log.slice(-2000)}`)),
      );
    });
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Time `startServer()` in-process, the CLI to its ready line, and etcd (harness flags) to its ready line. */
export async function measureStartup(runs: number): Promise<StartupFigures> {
  const inProcess: number[] = [];
  const cli: number[] = [];
  const etcd: number[] = [];
  // One unmeasured start of each warms the file cache.
  await (await startServer()).close();
  await (await startCli()).target.stop();
  await timeEtcdStart();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const s = await startServer();
    inProcess.push(performance.now() - t0);
    await s.close();
    const c = await startCli();
    cli.push(c.readyMs);
    await c.target.stop();
    etcd.push(await timeEtcdStart());
  }
  return { inProcess: spread(inProcess), cli: spread(cli), etcd: spread(etcd), runs };
}

/** Throughput workloads through raw etcd3. */
export const THROUGHPUT_WORKLOADS = ['put', 'get', 'txn compare-and-swap', 'watch events'] as const;
export type ThroughputWorkload = (typeof THROUGHPUT_WORKLOADS)[number];

/** ops/s by workload, concurrency and target. */
/** One target's figures for one workload at one concurrency. */
export interface RateFigure {
  /** Operations (or events) per second. */
  rate: number;
  /** The server process's CPU time (user + system) per operation, in µs. */
  cpuUs: number;
  /** The client's (this process's) CPU time per operation, in µs. */
  clientUs: number;
}

/** Figures by workload, concurrency and target. */
export type ThroughputFigures = Record<
  ThroughputWorkload,
  Record<number, { simulator: RateFigure; etcd: RateFigure }>
>;

/** CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const VALUE = Buffer.alloc(100, 'v');

/** Run `op` from `inFlight` loops for `ms`; ops per second. */
async function rate(
  inFlight: number,
  ms: number,
  op: (worker: number, i: number) => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(w, i);
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

/** One workload at one concurrency against `client`. */
async function workload(
  client: Etcd3,
  name: ThroughputWorkload,
  inFlight: number,
  ms: number,
  tag: string,
): Promise<number> {
  const kv = client.kv;
  const key = (w: number, i: number) => Buffer.from(`bench/${tag}/${w}/${i % 1024}`);
  switch (name) {
    case 'put':
      return rate(inFlight, ms, (w, i) => kv.put({ key: key(w, i), value: VALUE }));
    case 'get': {
      for (let w = 0; w < inFlight; w++) await kv.put({ key: key(w, 0), value: VALUE });
      return rate(inFlight, ms, (w) => kv.range({ key: key(w, 0) }));
    }
    case 'txn compare-and-swap': {
      // Each loop owns one key and swaps it on its last mod revision, so every txn succeeds.
      const revs: string[] = [];
      for (let w = 0; w < inFlight; w++)
        revs[w] = (await kv.put({ key: key(w, 0), value: VALUE })).header.revision;
      return rate(inFlight, ms, async (w) => {
        const r = await kv.txn({
          compare: [{ key: key(w, 0), target: 'Mod', result: 'Equal', mod_revision: revs[w] }],
          success: [{ request_put: { key: key(w, 0), value: VALUE } }],
        });
        if (!r.succeeded) throw new Error('compare-and-swap failed');
        revs[w] = r.header.revision;
      });
    }
    case 'watch events': {
      const prefix = `bench/${tag}/w/`;
      let events = 0;
      const watcher = await client.watch().prefix(prefix).create();
      watcher.on('put', () => {
        events++;
      });
      let puts = 0;
      await rate(inFlight, ms, async (w, i) => {
        await kv.put({ key: Buffer.from(`${prefix}${w}/${i % 64}`), value: VALUE });
        puts++;
      });
      // Let the stream drain, then count what arrived.
      const deadline = performance.now() + 5_000;
      while (events < puts && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await watcher.cancel();
      return events / (ms / 1000);
    }
  }
}

/** Throughput at each concurrency, the two targets alternating round by round. */
export async function measureThroughput(
  concurrency: number[],
  ms: number,
  rounds: number,
): Promise<ThroughputFigures> {
  const sim = (await startCli()).target;
  const etcd = etcdTarget(await startEtcd());
  const clients = {
    simulator: new Etcd3({ hosts: sim.endpoint }),
    etcd: new Etcd3({ hosts: etcd.endpoint }),
  };
  const pids = { simulator: sim.pid, etcd: etcd.pid };
  const out = {} as ThroughputFigures;
  try {
    // Warm both servers up (JIT, allocations, connections) on every workload before anything is timed.
    for (const name of THROUGHPUT_WORKLOADS) {
      for (const t of ['simulator', 'etcd'] as const)
        await workload(clients[t], name, 16, 1_000, `warm-${t}`);
    }
    for (const name of THROUGHPUT_WORKLOADS) {
      out[name] = {};
      for (const c of concurrency) {
        const got: Record<'simulator' | 'etcd', { rate: number[]; cpuUs: number[]; clientUs: number[] }> = {
          simulator: { rate: [], cpuUs: [], clientUs: [] },
          etcd: { rate: [], cpuUs: [], clientUs: [] },
        };
        for (let r = 0; r < rounds; r++) {
          const order: ('simulator' | 'etcd')[] = r % 2 === 0 ? ['simulator', 'etcd'] : ['etcd', 'simulator'];
          for (const t of order) {
            const before = cpuMs(pids[t]);
            const self = process.cpuUsage();
            const rate = await workload(clients[t], name, c, ms, `${t}${r}`);
            const used = process.cpuUsage(self);
            const n = rate * (ms / 1000);
            got[t].rate.push(rate);
            got[t].cpuUs.push(((cpuMs(pids[t]) - before) * 1000) / n);
            got[t].clientUs.push((used.user + used.system) / n);
          }
        }
        const figure = (t: 'simulator' | 'etcd'): RateFigure => ({
          rate: median(got[t].rate),
          cpuUs: median(got[t].cpuUs),
          clientUs: median(got[t].clientUs),
        });
        const f = { simulator: figure('simulator'), etcd: figure('etcd') };
        out[name][c] = f;
        console.log(
          `  ${name} @${c} in flight: simulator ${Math.round(f.simulator.rate)}/s (server CPU ${Math.round(f.simulator.cpuUs)} µs/op), etcd ${Math.round(f.etcd.rate)}/s (${Math.round(f.etcd.cpuUs)} µs/op)`,
        );
      }
    }
  } finally {
    clients.simulator.close();
    clients.etcd.close();
    await sim.stop();
    await etcd.stop();
  }
  return out;
}

/** Resident set size of a process, in bytes (Linux /proc). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Resident size of each server holding `keys` keys of 16 B with 100 B values. */
export async function measureMemory(
  keys: number,
): Promise<{ keys: number; simulator: number; etcd: number }> {
  const result = { keys, simulator: 0, etcd: 0 };
  for (const make of [async () => (await startCli()).target, async () => etcdTarget(await startEtcd())]) {
    const target = await make();
    const client = new Etcd3({ hosts: target.endpoint });
    try {
      const perTxn = 128;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (;;) {
            const start = next;
            if (start >= keys) return;
            next = Math.min(keys, start + perTxn);
            const success = [];
            for (let i = start; i < next; i++) {
              success.push({
                request_put: { key: Buffer.from(`k${i.toString().padStart(15, '0')}`), value: VALUE },
              });
            }
            await client.kv.txn({ success });
          }
        }),
      );
      const count = await client.kv.range({
        key: Buffer.from([0]),
        range_end: Buffer.from([0]),
        count_only: true,
      });
      if (Number(count.count) !== keys)
        throw new Error(`${target.name} holds ${count.count} keys, expected ${keys}`);
      result[target.name] = rss(target.pid);
      console.log(
        `  ${target.name}: ${(result[target.name] / 2 ** 20).toFixed(0)} MiB resident with ${keys} keys`,
      );
    } finally {
      client.close();
      await target.stop();
    }
  }
  return result;
}

/** Everything the server suite measures. */
export interface ServerFigures {
  startup: StartupFigures;
  throughput: ThroughputFigures;
  concurrency: number[];
  memory: { keys: number; simulator: number; etcd: number };
}

/** Measure the whole server suite (quick: shorter runs and 100k keys). */
export async function serverFigures(quick: boolean): Promise<ServerFigures> {
  console.log('simulator server: start to ready (median ms):');
  const startup = await measureStartup(quick ? 3 : 11);
  console.log(
    `  startServer() ${startup.inProcess.median.toFixed(1)}, CLI ${startup.cli.median.toFixed(1)}, etcd ${startup.etcd.median.toFixed(1)}`,
  );
  console.log('simulator server: throughput through raw etcd3 (median ops/s):');
  const concurrency = [1, 16, 128];
  const throughput = await measureThroughput(concurrency, quick ? 500 : 2_000, quick ? 1 : 3);
  console.log('simulator server: resident memory:');
  const memory = await measureMemory(quick ? 100_000 : 1_000_000);
  return { startup, throughput, concurrency, memory };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** BENCHMARKS.md's section on the simulator server. */
export function renderServerSection(f: ServerFigures, table: (h: string[], r: string[][]) => string): string {
  const rows: string[][] = [];
  for (const name of THROUGHPUT_WORKLOADS) {
    for (const c of f.concurrency) {
      const x = f.throughput[name][c]!;
      rows.push([
        name,
        String(c),
        Math.round(x.simulator.rate).toLocaleString('en-US'),
        Math.round(x.etcd.rate).toLocaleString('en-US'),
        `${(x.simulator.rate / x.etcd.rate).toFixed(2)}×`,
        String(Math.round(x.simulator.cpuUs)),
        String(Math.round(x.etcd.cpuUs)),
        `${Math.round(x.simulator.clientUs)} / ${Math.round(x.etcd.clientUs)}`,
      ]);
    }
  }
  return `## The simulator server beside a real etcd

Both servers run in their own process on this machine's two cores; the client is etcd3 (its generated
gRPC clients, \`client.kv\`, and its watch builder) in the bench process, the same for both. The CLI is
timed as it ships: \`dist/cli/etcd-kv-kit.cjs\` (one bundle, V8's compile cache warm), from process start
to its ready line; etcd with the test harness's flags (10/100 ms raft timers, \`--unsafe-no-fsync\`, data
in /dev/shm), ports and data dir chosen beforehand, from process start to its own ready line ("ready to
serve client requests", logged once it serves clients); \`startServer()\` in-process until it resolves.
${f.startup.runs} starts of each, interleaved. A single etcd elects itself after a randomized election
timeout, so its start spreads widely.

${table(
  ['start to ready', 'median ms', 'fastest ms', 'slowest ms'],
  [
    ['startServer() in-process', ...ms(f.startup.inProcess)],
    ['CLI (etcd-kv-kit serve)', ...ms(f.startup.cli)],
    ['etcd, harness flags', ...ms(f.startup.etcd)],
  ],
)}

Throughput at 1, 16 and 128 requests in flight (puts of 100 B values over 1,024 keys per loop; gets of one
key; compare-and-swap txns on one key per loop, which always succeed; watch events delivered to one
prefix watcher while the loops put), median of alternating rounds. Server CPU is the server process's
user + system time per operation, read from /proc: what each server spends, whatever the client costs.

${table(['workload', 'in flight', 'simulator ops/s', 'etcd ops/s', 'simulator / etcd', 'simulator CPU µs/op', 'etcd CPU µs/op', 'client CPU µs/op (sim / etcd)'], rows)}

Read with the CPU columns: the client (etcd3 in this Node process) spends more CPU per request than
either server, and the client and both servers share two cores, so the client sets the pace and neither
server uses a core of its own (rate × server CPU per operation stays below one core). The per-operation
server columns are the comparison of the servers themselves.

Resident memory (VmRSS) of each server process after loading ${f.memory.keys.toLocaleString('en-US')} keys of 16 B with
100 B values (txns of 128 puts): simulator ${mib(f.memory.simulator)}, etcd ${mib(f.memory.etcd)}.
`;
}

/** Median, fastest and slowest start as table cells. */
function ms(s: StartupSpread): string[] {
  return [s.median.toFixed(1), s.min.toFixed(1), s.max.toFixed(1)];
}

/** Target rows for the server: [target, figure, verdict]. */
export function serverTargets(f: ServerFigures, verdict: (ok: boolean) => string): string[][] {
  const rows: string[][] = [
    [
      'simulator: startServer() in-process < 50 ms',
      `${f.startup.inProcess.median.toFixed(1)} ms`,
      verdict(f.startup.inProcess.median < 50),
    ],
    [
      'simulator: CLI to ready faster than etcd (medians)',
      `${f.startup.cli.median.toFixed(0)} ms vs ${f.startup.etcd.median.toFixed(0)} ms`,
      verdict(f.startup.cli.median < f.startup.etcd.median),
    ],
  ];
  for (const name of THROUGHPUT_WORKLOADS) {
    for (const c of f.concurrency) {
      const x = f.throughput[name][c]!;
      const ratio = x.simulator.rate / x.etcd.rate;
      rows.push([`simulator ≥ 2× etcd: ${name} @${c}`, `${ratio.toFixed(2)}×`, verdict(ratio >= 2)]);
    }
  }
  return rows;
}
