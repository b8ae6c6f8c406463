/**
 * close() with streams open: both streams end with etcd's "server stopped", and the process, its
 * client gone, exits promptly by itself — no socket, server or timer is left to hold it (checked in a
 * child process, where nothing else runs).
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./close-child.ts', import.meta.url));

it('close() ends open streams with UNAVAILABLE "etcdserver: server stopped", then the process exits by itself', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let printedAt = 0;
  child.stdout.on('data', () => (printedAt ||= performance.now()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  const exitMs = performance.now() - printedAt;
  expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
  const report = JSON.parse(out.trim()) as { statuses: string[]; closeMs: number; stats: object };
  expect(report.statuses).toEqual(['14 etcdserver: server stopped', '14 etcdserver: server stopped']);
  expect(report.stats).toEqual({
    connections: 0,
    streams: 0,
    clients: 0,
    watchers: 0,
    rewritingConnections: 0,
  });
  // Generous for a loaded machine: a leaked server socket or ref'd timer would hold it for good.
  expect(exitMs, 'exit after the last line').toBeLessThan(3_000);
}, 30_000);
