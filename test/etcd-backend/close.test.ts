/** close() releases every channel, stream and timer: a process that used the backend exits by itself. */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

let server: EtcdServer;
beforeAll(async () => {
  server = await startEtcd();
});
afterAll(async () => {
  await server?.stop();
});

interface ChildRun {
  out: string;
  /** Exit code, or "hung" when it had not exited 40 s after start. */
  exited: number | null | 'hung';
  /** ms from the child's "closed" line to its exit (undefined if it never printed it). */
  exitAfterClosedMs: number | undefined;
}

/** Run a child script against the test server and time its exit after it printed "closed". */
async function runChild(script: string): Promise<ChildRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
    {
      env: { ...process.env, ETCD_ENDPOINTS: server.endpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let closedAt: number | undefined;
  child.stdout.on('data', (d) => {
    out += d;
    if (closedAt === undefined && out.includes('closed')) closedAt = performance.now();
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = await new Promise<number | null | 'hung'>((resolve) => {
    // Generous: tsx start-up on a busy machine. A leak keeps the child alive for 10 s or more.
    const timer = setTimeout(() => resolve('hung'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const exitAt = performance.now();
  if (exited === 'hung') child.kill('SIGKILL');
  return { out, exited, exitAfterClosedMs: closedAt === undefined ? undefined : exitAt - closedAt };
}

describe('close', () => {
  it('a child process that watched, kept a lease alive and closed exits on its own', async () => {
    const run = await runChild('./exit-child.ts');
    expect(run.out).toContain('event v');
    expect(run.out).toContain('closed');
    expect(run.exited).toBe(0);
  }, 60_000);

  it('closing a config center, a watch or a keepalive at once, then the backend: the process exits promptly', async () => {
    const run = await runChild('./close-at-once-child.ts');
    expect(run.out).toContain('closed');
    expect(run.exited).toBe(0);
    // A gRPC call left running holds the connection until the next keepalive ping, 10 s later; a clean
    // exit takes milliseconds. 5 s leaves room for a loaded machine.
    expect(run.exitAfterClosedMs).toBeLessThan(5_000);
  }, 60_000);
});
