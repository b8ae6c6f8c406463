/**
 * Start a throwaway etcd for tests: an `etcd` binary on PATH, free 127.0.0.1 ports, a temporary data
 * dir, `--unsafe-no-fsync` and short raft timers (ready in ~150 ms; minimum lease TTL 1 s). Stopped by PID;
 * one that is never stopped dies with the process that started it, however that process ends, and its
 * data dir goes with it (see reaper.ts).
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { minLeaseTtlFor } from '../common/raft-timers.js';
import { scratchBase, singleMemberArgs } from './etcd-args.js';
import { type Guard, guardProcess } from './reaper.js';

/** Options for {@link startEtcd}. */
export interface EtcdServerOptions {
  /** Extra command-line flags, e.g. TLS or auth settings. */
  extraArgs?: string[];
  /** Heartbeat interval in ms (default 10). */
  heartbeatMs?: number;
  /** Election timeout in ms (default 100); with 10/100 the minimum lease TTL is 1 s. */
  electionMs?: number;
  /** Client URL scheme (default "http"; use "https" with TLS flags in `extraArgs`). */
  scheme?: 'http' | 'https';
  /** Reuse this client port (to restart a killed server on the same address). */
  clientPort?: number;
  /** Reuse this peer port. */
  peerPort?: number;
  /** Reuse this data dir (to restart with the same data). */
  dataDir?: string;
  /** TLS material for the readiness probe when `scheme` is "https" (PEM strings or buffers). */
  probeTls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** How long to wait for the server to answer (default 20 s). */
  readyTimeoutMs?: number;
  /**
   * Interval of periodic watch progress notifications in ms (etcd's default: 10 minutes). Passed as
   * `--experimental-watch-progress-notify-interval`, the 3.4/3.5 name that 3.6 still accepts.
   */
  progressNotifyIntervalMs?: number;
}

/**
 * A running etcd started by {@link startEtcd}. It does not keep the process alive: a script that ends
 * without `stop()` exits, and the etcd is killed and its data dir removed as it does.
 */
export interface EtcdServer extends AsyncDisposable {
  /** Client endpoint, e.g. "http://127.0.0.1:41234". */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly pid: number;
  /** etcd's own log, for diagnosing failures. */
  readonly logFile: string;
  /** The minimum lease TTL in seconds these raft timers give (docs/semantics.md §12). */
  readonly minLeaseTtl: number;
  /** SIGKILL the process (data dir kept) and wait until it has exited. */
  kill(): Promise<void>;
  /** Start again on the same ports and data dir, after kill(). */
  restart(): Promise<void>;
  /** Stop the process and delete the data dir (also what `await using` does). */
  stop(): Promise<void>;
}

/** Message given when the etcd binary is missing: never turn that into skipped tests. */
export const ETCD_MISSING =
  'etcd binary not found on PATH: startEtcd() runs a real etcd server. Install etcd 3.4 or later ' +
  '(Debian/Ubuntu: `sudo apt-get install -y etcd-server`; others: the release binaries from etcd.io) ' +
  'and make sure `etcd --version` works in this shell.';

/** Throw a clear error unless an `etcd` binary is on PATH. */
export function assertEtcdInstalled(): void {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(ETCD_MISSING);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export { minLeaseTtlFor };

/** Start etcd and wait until it serves requests. */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  assertEtcdInstalled();
  const heartbeat = options.heartbeatMs ?? 10;
  const election = options.electionMs ?? 100;
  const scheme = options.scheme ?? 'http';
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(scratchBase(), 'etcd-test-'));
  const logFile = `${dataDir}.log`;
  const clientUrl = `${scheme}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    ...singleMemberArgs({ dataDir, clientUrl, peerUrl, heartbeatMs: heartbeat, electionMs: election }),
    '--log-level',
    'warn',
    ...(options.progressNotifyIntervalMs === undefined
      ? []
      : ['--experimental-watch-progress-notify-interval', `${options.progressNotifyIntervalMs}ms`]),
    ...(options.extraArgs ?? []),
  ];

  let child: ChildProcess | undefined;
  let guard: Guard | undefined;
  const launch = async (): Promise<void> => {
    // etcd's output goes to a file: an inherited pipe would keep the test runner waiting.
    const fd = openSync(logFile, 'a');
    const c = spawn('etcd', args, { stdio: ['ignore', fd, fd], detached: false });
    child = c;
    closeSync(fd);
    if (c.pid !== undefined) {
      if (guard) guard.update(c.pid);
      else guard = guardProcess(c.pid, [dataDir, logFile]);
    }
    c.unref(); // an etcd nobody stopped must not keep the process alive; the guard kills it on exit
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code, sig) =>
        reject(new Error(`etcd exited during start (code ${code}, signal ${sig}); log: ${tail(logFile)}`)),
      ),
    );
    exited.catch(() => {});
    await Promise.race([waitReady(clientUrl, options.probeTls, options.readyTimeoutMs ?? 20_000), exited]);
  };
  const waitExit = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.ref(); // keep the process alive until the exit is seen
    await new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.unref();
  };

  try {
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }
  async function stop(): Promise<void> {
    const done = waitExit();
    child?.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
    await done;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(logFile, { force: true });
    guard?.release();
  }
  const server: EtcdServer = {
    endpoint: clientUrl,
    clientPort,
    peerPort,
    dataDir,
    logFile,
    minLeaseTtl: minLeaseTtlFor(heartbeat, election),
    get pid() {
      return child?.pid ?? -1;
    },
    async kill() {
      const done = waitExit();
      child?.kill('SIGKILL');
      await done;
    },
    async restart() {
      await launch();
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return server;
}

/** Poll GET /version until etcd answers: it serves client HTTP only once it has a leader. */
async function waitReady(url: string, tls: EtcdServerOptions['probeTls'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await probe(url, tls);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`etcd at ${url} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

async function probe(url: string, tls: EtcdServerOptions['probeTls']): Promise<void> {
  await etcdVersion(url, tls);
}

/** GET /version from a running etcd: its server version, e.g. "3.4.23". */
export async function etcdVersion(url: string, tls?: EtcdServerOptions['probeTls']): Promise<string> {
  const mod = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise<string>((resolve, reject) => {
    const req = mod.get(`${url}/version`, { ...(tls ?? {}), timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(String((JSON.parse(body) as { etcdserver?: unknown }).etcdserver));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', reject);
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}
