/**
 * The operations flags of `etcd-kv-kit serve` as a user runs them: --load (a fixture, a snapshot, bad
 * files), --quota-backend-bytes, --auto-compaction-*, `etcd-kv-kit dump`, and GET /metrics and /health.
 * Each server is a child process on a free port, stopped by its PID.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { freePort } from '../../src/testing/etcd-server.js';
import { run } from './ops-clients.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-ops-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A running `serve`; stop() sends SIGTERM to its PID and waits for the exit. */
interface Served {
  url: string;
  stop(): Promise<number | null>;
}

async function serve(...args: string[]): Promise<Served> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--listen-client-urls', `http://127.0.0.1:${port}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready to serve')) resolve();
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** `serve` that must fail: its exit code and stderr; it never printed the ready line. */
async function serveFails(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const port = await freePort();
  const r = await run(process.execPath, [
    '--import',
    'tsx',
    MAIN,
    'serve',
    '--listen-client-urls',
    `http://127.0.0.1:${port}`,
    ...args,
  ]);
  return { code: r.code, stderr: r.stderr, stdout: r.stdout };
}

describe('serve --load, dump', () => {
  it('starts from a fixture, and dump writes the keys back as one', async () => {
    const fixture = join(dir, 'fixture.json');
    await writeFile(fixture, JSON.stringify({ 'config/a': '1', 'config/b': 'two', other: 'x' }));
    const s = await serve('--load', fixture);
    try {
      await using b = new EtcdBackend({ endpoints: [s.url] });
      const { kvs, header } = await b.range({ key: 'config/', rangeEnd: 'config0' });
      expect(header.revision).toBe(2);
      expect(kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['1', 'two']);
      await b.put({ key: 'config/c', value: 'ünï' });
      const out = join(dir, 'dumped.json');
      const d = await run(process.execPath, [
        '--import',
        'tsx',
        MAIN,
        'dump',
        '--endpoints',
        s.url.replace('http://', ''),
        '--prefix',
        'config/',
        '--output',
        out,
      ]);
      expect(d.code, d.stderr).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(
        '{\n  "config/a": "1",\n  "config/b": "two",\n  "config/c": "ünï"\n}\n',
      );
      const all = await run(process.execPath, ['--import', 'tsx', MAIN, 'dump', '--endpoints', s.url]);
      expect(JSON.parse(all.stdout)).toEqual({
        'config/a': '1',
        'config/b': 'two',
        'config/c': 'ünï',
        other: 'x',
      });
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('a bad file stops the start-up with exit 1 and a message naming the file and the problem', async () => {
    const cases: [string, string, RegExp][] = [
      ['missing.json', '', /cannot load .*missing\.json: no such file/],
      ['number.json', '{"a": 1}', /cannot load .*number\.json: fixture key "a" has a number value/],
      ['broken.json', '{"a": "1"', /cannot load .*broken\.json: not JSON/],
      [
        'snapshot.json',
        '{"format":"etcd-kv-kit snapshot","version":9}',
        /cannot load .*snapshot\.json: not a valid etcd-kv-kit snapshot: layout version 9/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const path = join(dir, name);
      if (content !== '') await writeFile(path, content);
      const r = await serveFails('--load', path);
      expect(r.code, name).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/ready to serve/);
    }
  });

  it('refuses bad operations flags with exit 2', async () => {
    expect(
      (await serveFails('--auto-compaction-mode', 'hourly', '--auto-compaction-retention', '1')).stderr,
    ).toMatch(/unknown auto-compaction-mode "hourly"/);
    const r = await serveFails('--auto-compaction-retention', 'soon');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid duration "soon"/);
    expect((await serveFails('--quota-backend-bytes', 'lots')).code).toBe(2);
  });
});

describe('quota, /metrics and /health from the command line', () => {
  it('a small quota fills, raises NOSPACE, fails /health and shows in /metrics', async () => {
    const s = await serve('--quota-backend-bytes', '4096', '--etcd-version', '3.4.23');
    try {
      await using b = new EtcdBackend({ endpoints: [s.url] });
      let refused: unknown;
      for (let i = 0; i < 20 && refused === undefined; i++) {
        await b.put({ key: `k${i}`, value: 'v'.repeat(1000) }).catch((e: unknown) => {
          refused = e;
        });
      }
      expect((refused as Error).message).toBe('etcdserver: mvcc: database space exceeded');
      const health = await fetch(`${s.url}/health`);
      expect([health.status, await health.text()]).toEqual([503, '{"health":"false"}\n']);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      const status = await b.status();
      expect(metrics).toContain('etcd_server_quota_backend_bytes 4096\n');
      expect(metrics).toContain(`etcd_mvcc_db_total_size_in_bytes ${status.dbSize}\n`);
      expect(metrics).toContain(`etcd_mvcc_db_total_size_in_use_in_bytes ${status.dbSizeInUse}\n`);
      expect(metrics).toContain(
        `etcd_debugging_mvcc_keys_total ${(await b.range({ key: '\0', rangeEnd: '\0', countOnly: true })).count}\n`,
      );
      expect(metrics).toContain('etcd_server_has_leader 1\n');
      expect(metrics).toContain('etcd_server_version{server_version="3.4.23"} 1\n');
      expect(metrics).toMatch(
        /grpc_server_handled_total\{grpc_code="ResourceExhausted",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"\} 1\n/,
      );
      expect(metrics).toMatch(/# TYPE grpc_server_handled_total counter\n/);
    } finally {
      await s.stop();
    }
  });
});
