import { describe, expect, it } from 'vitest';
import { ETCD_MISSING, freePort, minLeaseTtlFor, startEtcd } from '../../src/testing/etcd-server.js';

describe('test etcd process', () => {
  it('computes the minimum lease TTL from raft timers as measured on 3.4.23', () => {
    expect(minLeaseTtlFor(100, 1000)).toBe(2);
    expect(minLeaseTtlFor(10, 100)).toBe(1);
    expect(minLeaseTtlFor(100, 700)).toBe(1);
    expect(minLeaseTtlFor(100, 1500)).toBe(3);
    expect(minLeaseTtlFor(100, 2000)).toBe(3);
  });

  it('starts on a free loopback port, survives kill + restart with its data, and stops by PID', async () => {
    const server = await startEtcd();
    try {
      expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const version = async () => (await fetch(`${server.endpoint}/version`)).json();
      expect(await version()).toMatchObject({ etcdserver: expect.any(String) });
      const pid = server.pid;
      await server.kill();
      expect(() => process.kill(pid, 0)).toThrow();
      await server.restart();
      expect(server.pid).not.toBe(pid);
      expect(await version()).toMatchObject({ etcdserver: expect.any(String) });
    } finally {
      await server.stop();
    }
    await expect(fetch(`${server.endpoint}/version`)).rejects.toThrow();
    expect(await freePort()).toBeGreaterThan(0);
  });

  it('without etcd on PATH, says how to install it and names no file users do not have', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startEtcd()).rejects.toThrow(ETCD_MISSING);
    } finally {
      process.env.PATH = path;
    }
    expect(ETCD_MISSING).toContain('apt-get install -y etcd-server');
    expect(ETCD_MISSING).not.toMatch(/\.ci|scripts\/|npm test/);
  });
});
