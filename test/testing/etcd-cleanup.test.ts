/**
 * An etcd from startEtcd()/startEtcdCluster() never outlives the process that started it: not when that
 * process is SIGKILLed, not when a script ends without stop(). Each case runs the helper in a child
 * process, ends it, and checks that every etcd PID and every data dir is gone.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEtcd } from '../../src/testing/etcd-server.js';

interface Started {
  pids: number[];
  paths: string[];
}

function runChild(...args: string[]): {
  child: ChildProcess;
  started: Promise<Started>;
  output: () => string;
} {
  const script = fileURLToPath(new URL('./etcd-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const started = new Promise<Started>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Started);
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting etcd: ${out}`)));
  });
  return { child, started, output: () => out };
}

const exited = (child: ChildProcess, timeoutMs: number): Promise<number | string | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode);
    const timer = setTimeout(() => resolve('still running'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });

/** True while `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Wait (generously: a loaded 2-core machine) until no PID is alive and no path exists. */
async function expectGone(started: Started, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = () => [
    ...started.pids.filter(alive).map(String),
    ...started.paths.filter((p) => existsSync(p)),
  ];
  while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(left()).toEqual([]);
}

describe('a test etcd dies with the process that started it', () => {
  it('SIGKILL of the parent: the etcd process and its data dir are gone', async () => {
    const { child, started } = runChild('server', 'wait');
    const s = await started;
    expect(s.pids.every(alive)).toBe(true);
    expect(s.paths.every((p) => existsSync(p))).toBe(true);
    child.kill('SIGKILL');
    await exited(child, 10_000);
    await expectGone(s);
  }, 60_000);

  it('a script that ends without stop() exits by itself, and its etcd is gone', async () => {
    const { child, started, output } = runChild('server', 'exit');
    const s = await started;
    const code = await exited(child, 30_000);
    if (code === 'still running') {
      child.kill('SIGKILL'); // the failure being tested; do not leave it (or its etcd) behind
      for (const pid of s.pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
    expect(code, output()).toBe(0);
    await expectGone(s);
  }, 60_000);

  it('SIGKILL of the parent of a 3-member cluster: every member and the data dirs are gone', async () => {
    const { child, started } = runChild('cluster', 'wait');
    const s = await started;
    expect(s.pids).toHaveLength(3);
    child.kill('SIGKILL');
    await exited(child, 10_000);
    await expectGone(s);
  }, 90_000);

  it('await using stops the server and removes its data dir at scope end', async () => {
    let seen: Started;
    {
      await using server = await startEtcd();
      seen = { pids: [server.pid], paths: [server.dataDir, server.logFile] };
      expect(alive(server.pid)).toBe(true);
    }
    expect(seen.pids.filter(alive)).toEqual([]);
    expect(seen.paths.filter((p) => existsSync(p))).toEqual([]);
  }, 60_000);
});
