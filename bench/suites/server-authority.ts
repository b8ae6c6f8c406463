/**
 * What a rewritten connection costs on the simulator server: etcd3 puts, 16 in flight, against one
 * `etcd-kv-kit serve` process, from a client with an ordinary `:authority` (read natively by nghttp2) and
 * from one that sends `http://127.0.0.1:PORT` as Go's clientv3 3.4 does for http:// endpoints (read
 * through the authority rewriter). The clients take turns in short rounds, so the shared machine's load
 * falls on both alike; the server's CPU time per put comes from /proc.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import type { BenchOptions } from '../main.js';
import { repoRoot } from '../report/root.js';

const IN_FLIGHT = 16;
const ROUND_MS = 1_000;
const VALUE = 'x'.repeat(100);

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Start the CLI server in its own process; resolves with it and its URL once it is ready. */
async function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--listen-client-urls', 'http://127.0.0.1:0'],
    { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, url };
}

interface Subject {
  name: string;
  client: Etcd3;
  puts: number;
  seconds: number;
  cpu: number;
  rates: number[];
}

/** Put for `ms` with IN_FLIGHT puts outstanding; returns how many completed. */
async function putFor(client: Etcd3, ms: number): Promise<number> {
  let n = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < until) await client.put(`bench/authority/${n++ % 1024}`).value(VALUE);
    }),
  );
  return n;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function run({ quick }: BenchOptions): Promise<void> {
  const rounds = quick ? 5 : 15;
  const { child, url } = await serve();
  const pid = child.pid!;
  const subjects: Subject[] = [
    {
      name: 'native (:authority 127.0.0.1:PORT)',
      client: new Etcd3({ hosts: url }),
      puts: 0,
      seconds: 0,
      cpu: 0,
      rates: [],
    },
    {
      name: 'rewritten (:authority http://127.0.0.1:PORT)',
      client: new Etcd3({ hosts: url, grpcOptions: { 'grpc.default_authority': url } }),
      puts: 0,
      seconds: 0,
      cpu: 0,
      rates: [],
    },
  ];
  try {
    for (const s of subjects) await putFor(s.client, ROUND_MS); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const cpu0 = cpuSeconds(pid);
        const start = performance.now();
        const n = await putFor(s.client, ROUND_MS);
        const seconds = (performance.now() - start) / 1000;
        s.puts += n;
        s.seconds += seconds;
        s.cpu += cpuSeconds(pid) - cpu0;
        s.rates.push(n / seconds);
      }
    }
    console.log(
      `etcd3 puts, ${IN_FLIGHT} in flight, ${rounds} rounds of ${ROUND_MS} ms each, clients taking turns\n`,
    );
    console.log('| client | puts/s (median round) | server CPU per put |');
    console.log('| --- | ---: | ---: |');
    for (const s of subjects) {
      console.log(
        `| ${s.name} | ${Math.round(median(s.rates))} | ${Math.round((s.cpu / s.puts) * 1e6)} µs |`,
      );
    }
    const ratios = subjects[1]!.rates.map((r, i) => r / subjects[0]!.rates[i]!);
    console.log(`\nrewritten / native, median of per-round ratios: ${median(ratios).toFixed(2)}`);
  } finally {
    for (const s of subjects) s.client.close();
    child.kill('SIGTERM');
  }
}
