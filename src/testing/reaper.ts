/**
 * Parent-death cleanup for the etcd processes the test helpers start, in the spirit of
 * mongodb-memory-server's killer process and testcontainers' reaper. One small watchdog process per test
 * process (started on first use) reads a pipe from this process. However this process ends — normally,
 * by an uncaught error, by a signal, even by SIGKILL — the kernel closes that pipe; the watchdog then
 * SIGKILLs every etcd still registered, removes their data dirs and logs, and exits.
 *
 * The watchdog runs in its own session (`detached`), so a Ctrl-C or a process-group kill aimed at the
 * test run does not take it down before it has cleaned up. It is unreferenced: it never keeps this
 * process alive.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * The watchdog, run with `node -e` (plain CommonJS, so it needs no file on disk in source or build).
 * Messages are JSON lines: {"op":"add","id":n,"pid":n,"paths":[...]} (re-adding an id replaces it) and
 * {"op":"del","id":n}. The ppid check backs up the pipe in case a grandchild holds its write end open.
 */
const WATCHDOG = `
const { readFileSync, rmSync } = require('node:fs');
const guarded = new Map();
const parent = process.ppid;
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let nl = buffer.indexOf('\\n'); nl >= 0; nl = buffer.indexOf('\\n')) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    try {
      const m = JSON.parse(line);
      if (m.op === 'add') guarded.set(m.id, m);
      else guarded.delete(m.id);
    } catch {}
  }
});
const alive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  try {
    return !/^\\d+ \\(.*\\) Z/.test(readFileSync('/proc/' + pid + '/stat', 'utf8'));
  } catch {
    return true;
  }
};
let reaping = false;
async function reap() {
  if (reaping) return;
  reaping = true;
  for (const g of guarded.values()) try { process.kill(g.pid, 'SIGKILL'); } catch {}
  const deadline = Date.now() + 10000;
  for (const g of guarded.values()) {
    while (alive(g.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const p of g.paths) try { rmSync(p, { recursive: true, force: true }); } catch {}
  }
  process.exit(0);
}
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
setInterval(() => { if (process.ppid !== parent) reap(); }, 1000);
`;

/** A process under the watchdog's guard. */
export interface Guard {
  /** The guarded process was started again under a new PID. */
  update(pid: number): void;
  /** Stop guarding (the process was stopped and its paths removed by their owner). */
  release(): void;
}

interface Entry {
  pid: number;
  paths: readonly string[];
}

let watchdog: ChildProcess | undefined;
let nextId = 0;
/** Everything guarded, for the synchronous clean-up when this process exits normally. */
const entries = new Map<number, Entry>();

/**
 * Guard `pid`: if this process ends before {@link Guard.release}, the process is SIGKILLed and `paths`
 * are removed — at once on a normal exit, by the watchdog on any other end.
 */
export function guardProcess(pid: number, paths: readonly string[]): Guard {
  const id = ++nextId;
  const entry: Entry = { pid, paths };
  entries.set(id, entry);
  const send = (message: object) => {
    const stdin = startWatchdog().stdin;
    if (stdin?.writable) stdin.write(`${JSON.stringify(message)}\n`);
  };
  send({ op: 'add', id, pid, paths });
  return {
    update(newPid) {
      entry.pid = newPid;
      send({ op: 'add', id, pid: newPid, paths });
    },
    release() {
      if (!entries.delete(id)) return;
      send({ op: 'del', id });
    },
  };
}

function startWatchdog(): ChildProcess {
  if (watchdog) return watchdog;
  const { NODE_OPTIONS: _, ...env } = process.env; // no loaders or hooks: the watchdog is plain CommonJS
  const child = spawn(process.execPath, ['-e', WATCHDOG], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    windowsHide: true,
    env,
  });
  child.unref();
  (child.stdin as Socket | null)?.unref();
  child.stdin?.on('error', () => {}); // the watchdog gone: nothing to tell it any more
  watchdog = child;
  process.once('exit', reapNow);
  return child;
}

/** A normal exit: kill and clean up synchronously, without waiting for the watchdog. */
function reapNow(): void {
  for (const { pid } of entries.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (const { paths } of entries.values()) {
    for (const path of paths) rmSync(path, { recursive: true, force: true });
  }
  entries.clear();
}
