/**
 * Start a throwaway multi-member etcd cluster on loopback for failover tests: every member on free
 * 127.0.0.1 ports, all started together, data dirs under /dev/shm, `--unsafe-no-fsync`, and etcd's
 * DEFAULT raft timers (100 ms heartbeat, 1000 ms election) unless asked otherwise, so that failover is
 * measured as production would see it. Members are killed and restarted by PID on the same ports and
 * data dirs; `stop()` ends every process and removes every directory. A cluster that is never stopped
 * dies with the process that started it, however that process ends (see reaper.ts).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import { scratchBase } from './etcd-args.js';
import { assertEtcdInstalled, freePort, minLeaseTtlFor } from './etcd-server.js';
import { type Guard, guardProcess } from './reaper.js';

/** Options for {@link startEtcdCluster}. */
export interface EtcdClusterOptions {
  /** Number of members (default 3). */
  size?: number;
  /** Heartbeat interval in ms; absent keeps etcd's default (100). */
  heartbeatMs?: number;
  /** Election timeout in ms; absent keeps etcd's default (1000). */
  electionMs?: number;
  /** Extra command-line flags for every member. */
  extraArgs?: string[];
  /** How long to wait for the cluster (or a restarted member) to be ready (default 30 s). */
  readyTimeoutMs?: number;
}

/** One member of an {@link EtcdCluster}. */
export interface EtcdMember {
  /** Member name, `m1`, `m2`, ... */
  readonly name: string;
  /** Client endpoint, e.g. "http://127.0.0.1:41234". */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** etcd's own log, for diagnosing failures. */
  readonly logFile: string;
  /** PID of the running process, or −1 when the member is not running. */
  readonly pid: number;
  /** True between a start and a kill/exit. */
  readonly running: boolean;
}

/** Maintenance.Status as one member answers it (IDs as decimal strings, as etcd3 returns them). */
export interface MemberStatus {
  /** The answering member's raft ID. */
  memberId: string;
  /** The leader's raft ID as this member sees it; "0" when it knows no leader. */
  leader: string;
  revision: number;
  raftTerm: number;
  raftIndex: number;
}

/** A running cluster started by {@link startEtcdCluster}. */
export interface EtcdCluster extends AsyncDisposable {
  readonly members: readonly EtcdMember[];
  /** Every member's client endpoint, in member order. */
  readonly endpoints: string[];
  /** The minimum lease TTL in seconds the raft timers give (docs/semantics.md §12). */
  readonly minLeaseTtl: number;
  /** Status from one member, bounded by `timeoutMs` (default 2 s). */
  status(member: EtcdMember, timeoutMs?: number): Promise<MemberStatus>;
  /**
   * Wait until every running member answers Status and they all name the same running member as
   * leader; return that member. Throws after `timeoutMs` (default 30 s).
   */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** SIGKILL a member by PID (data dir kept) and wait until the process has exited. */
  kill(member: EtcdMember): Promise<void>;
  /** Start a killed member again on the same ports and data dir; wait until it answers Status. */
  restart(member: EtcdMember): Promise<void>;
  /** Wait until every running member reports the same revision (default timeout 30 s). */
  converged(timeoutMs?: number): Promise<number>;
  /** Stop every member (SIGKILL: nothing is kept) and remove the data dirs and logs. */
  stop(): Promise<void>;
}

/** Internal state of one member. */
class Member implements EtcdMember {
  child: ChildProcess | undefined;
  guard: Guard | undefined;
  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
    readonly logFile: string,
  ) {}
  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }
  get peerUrl(): string {
    return `http://127.0.0.1:${this.peerPort}`;
  }
  get running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }
  get pid(): number {
    return this.running ? (this.child?.pid ?? -1) : -1;
  }
  /** Resolves once the process has exited (at once when it is not running). */
  exited(): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return Promise.resolve();
    c.ref(); // keep the process alive until the exit is seen
    return new Promise((resolve) => c.once('exit', () => resolve()));
  }
}

/** Start a cluster and wait until it has a leader that every member agrees on. */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  assertEtcdInstalled();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Another process can take a port between freePort() and etcd's bind: try again on fresh ports.
      if (attempt >= 3 || !String(error).includes('address already in use')) throw error;
    }
  }
}

async function startOnce(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const base = mkdtempSync(join(scratchBase(), 'etcd-cluster-'));
  const ports = new Set<number>();
  // freePort() can hand out a port twice in a row; keep asking until all 2 × size are distinct.
  while (ports.size < 2 * size) ports.add(await freePort());
  const portList = [...ports];
  const members: Member[] = [];
  for (let i = 0; i < size; i++) {
    const name = `m${i + 1}`;
    members.push(
      new Member(
        name,
        portList[2 * i] as number,
        portList[2 * i + 1] as number,
        join(base, name),
        join(base, `${name}.log`),
      ),
    );
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const token = base.slice(base.lastIndexOf('-') + 1);
  const raftArgs = [
    ...(options.heartbeatMs !== undefined ? ['--heartbeat-interval', String(options.heartbeatMs)] : []),
    ...(options.electionMs !== undefined ? ['--election-timeout', String(options.electionMs)] : []),
  ];
  const argsFor = (m: Member): string[] => [
    '--name',
    m.name,
    '--data-dir',
    m.dataDir,
    '--listen-client-urls',
    m.endpoint,
    '--advertise-client-urls',
    m.endpoint,
    '--listen-peer-urls',
    m.peerUrl,
    '--initial-advertise-peer-urls',
    m.peerUrl,
    '--initial-cluster',
    initialCluster,
    '--initial-cluster-state',
    'new',
    // A unique token keeps members of different test clusters on this machine from talking to each other.
    '--initial-cluster-token',
    `kvkit-${token}`,
    ...raftArgs,
    '--unsafe-no-fsync',
    '--log-level',
    'warn',
    ...(options.extraArgs ?? []),
  ];
  const launch = (m: Member): void => {
    // etcd's output goes to a file: an inherited pipe would keep the test runner waiting.
    const fd = openSync(m.logFile, 'a');
    try {
      m.child = spawn('etcd', argsFor(m), { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = m.child.pid;
    if (pid !== undefined) {
      if (m.guard) m.guard.update(pid);
      else m.guard = guardProcess(pid, [base]);
    }
    m.child.unref(); // a cluster nobody stopped must not keep the process alive; the guard kills it
  };

  // One raw client per member with no retries or circuit breaker, so each Status goes to that member.
  const probes = new Map<Member, Etcd3>();
  const probeFor = (m: Member): Etcd3 => {
    let client = probes.get(m);
    if (!client) {
      client = new Etcd3({ hosts: m.endpoint, faultHandling: { host: () => noPolicy, global: noPolicy } });
      probes.set(m, client);
    }
    return client;
  };
  const status = async (member: EtcdMember, timeoutMs = 2_000): Promise<MemberStatus> => {
    const m = member as Member;
    const res = await probeFor(m).maintenance.status({ deadline: Date.now() + timeoutMs });
    return {
      memberId: String(res.header.member_id),
      leader: String(res.leader),
      revision: Number(res.header.revision),
      raftTerm: Number(res.raftTerm),
      raftIndex: Number(res.raftIndex),
    };
  };
  const statusWithin = (m: Member, timeoutMs: number): Promise<MemberStatus> =>
    withTimeout(status(m, timeoutMs), timeoutMs, `Status from ${m.name}`);

  const failIfDead = (m: Member): void => {
    if (!m.running) throw new Error(`etcd member ${m.name} exited; log: ${tail(m.logFile)}`);
  };

  const leader = async (timeoutMs = 30_000): Promise<EtcdMember> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const up = members.filter((m) => m.running);
        const all = await Promise.all(up.map((m) => statusWithin(m, 2_000)));
        const ids = new Set(all.map((s) => s.leader));
        const [id] = ids;
        const found = up.find((_, i) => all[i]?.memberId === id);
        if (ids.size === 1 && id !== '0' && found) return found;
        last = new Error(`members disagree on the leader: ${all.map((s) => s.leader).join(', ')}`);
      } catch (error) {
        last = error;
      }
      await sleep(50);
    }
    throw new Error(`no agreed leader after ${timeoutMs} ms: ${String(last)}`);
  };

  const waitServing = async (m: Member, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      failIfDead(m);
      try {
        const s = await statusWithin(m, 2_000);
        if (s.leader !== '0') return;
      } catch (error) {
        last = error;
        // A failed call leaves the raw client's channel in backoff; start the next probe on a fresh one.
        probes.get(m)?.close();
        probes.delete(m);
      }
      await sleep(50);
    }
    throw new Error(
      `etcd member ${m.name} not serving after ${timeoutMs} ms: ${String(last)}; log: ${tail(m.logFile)}`,
    );
  };

  const stop = async (): Promise<void> => {
    for (const client of probes.values()) client.close();
    probes.clear();
    await Promise.all(
      members.map(async (m) => {
        // SIGKILL: the data is thrown away, and a SIGTERMed leader would spend seconds trying to hand
        // leadership to peers that are stopping too.
        const done = m.exited();
        m.child?.kill('SIGKILL');
        await done;
      }),
    );
    rmSync(base, { recursive: true, force: true });
    for (const m of members) m.guard?.release();
  };

  // All members start together: each waits for a quorum of peers before it serves.
  for (const m of members) launch(m);
  try {
    await Promise.all(members.map((m) => waitServing(m, readyTimeoutMs)));
    await leader(readyTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    minLeaseTtl: minLeaseTtlFor(options.heartbeatMs ?? 100, options.electionMs ?? 1000),
    status: (member, timeoutMs = 2_000) => statusWithin(member as Member, timeoutMs),
    leader,
    async kill(member) {
      const m = member as Member;
      const done = m.exited();
      m.child?.kill('SIGKILL');
      await done;
      probes.get(m)?.close();
      probes.delete(m);
    },
    async restart(member) {
      const m = member as Member;
      if (m.running) throw new Error(`etcd member ${m.name} is still running (pid ${m.pid})`);
      launch(m);
      await waitServing(m, readyTimeoutMs);
    },
    async converged(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = '';
      while (Date.now() < deadline) {
        try {
          const up = members.filter((m) => m.running);
          const revs = await Promise.all(up.map((m) => statusWithin(m, 2_000).then((s) => s.revision)));
          seen = revs.join(', ');
          if (new Set(revs).size === 1 && revs[0] !== undefined) return revs[0];
        } catch (error) {
          seen = String(error);
        }
        await sleep(50);
      }
      throw new Error(`members did not converge on one revision after ${timeoutMs} ms: ${seen}`);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A fault-handling policy that just runs the call: no retry, no circuit breaker. */
type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
const noPolicy = {
  execute: (fn: (context: { signal: AbortSignal }) => unknown) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
} as unknown as Policy;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reject with a clear message when `promise` takes longer than `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}
