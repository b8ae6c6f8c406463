/**
 * Real etcd only: the server goes down for longer than the TTL. The keepalive must report "unreachable"
 * (the lease has to be presumed expired), and a service registration must come back by itself once the
 * server is up again. (The memory backend covers the same paths with injected faults in
 * session.test.ts and service-registry.test.ts.)
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { LeaseLostError, ServiceRegistry, Session } from '../../src/recipes/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('server outage longer than the TTL [etcd]', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startEtcd();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it('session reports "unreachable"; the registration re-registers once the server is back', async () => {
    await using backend = new EtcdBackend({
      endpoints: [server.endpoint],
      requestTimeoutMs: 1_000,
      dialTimeoutMs: 500,
    });
    await using session = await Session.create(backend, { ttl: 2 });
    const registry = new ServiceRegistry(backend, { prefix: 'outage/svc', ttl: 2, retryMs: 200 });
    const reg = await registry.register('api', 'a', { port: 1 });
    const firstLease = reg.session!.lease;

    await server.kill();
    const reason = await Promise.race([session.finished, sleep(15_000).then(() => 'timeout')]);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('unreachable');
    await server.restart();

    await eventually(async () => {
      expect(reg.generation).toBeGreaterThanOrEqual(2);
      const snap = await registry.discover('api');
      expect(snap.instances.get('a')?.lease).toBe(reg.session!.lease);
    }, 30_000);
    expect(reg.session!.lease).not.toBe(firstLease);
    await registry.close();
    expect((await backend.range({ key: 'outage/', rangeEnd: 'outage0' })).count).toBe(0);
  }, 90_000);
});
