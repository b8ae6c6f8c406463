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

describe('close', () => {
  it('a child process that watched, kept a lease alive and closed exits on its own', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./exit-child.ts', import.meta.url))],
      {
        env: { ...process.env, ETCD_ENDPOINTS: server.endpoint },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = await new Promise<number | null | 'hung'>((resolve) => {
      // Generous: tsx start-up on a busy machine. A leak keeps the child alive indefinitely.
      const timer = setTimeout(() => resolve('hung'), 40_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    if (exited === 'hung') child.kill('SIGKILL');
    expect(out).toContain('event v');
    expect(out).toContain('closed');
    expect(exited).toBe(0);
  }, 60_000);
});
