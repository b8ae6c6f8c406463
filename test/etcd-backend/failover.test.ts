/**
 * Failover on a real etcd: a dead endpoint is skipped (no circuit breaker), the dial timeout is
 * enforced, reads are retried elsewhere, and a write whose outcome is unknown is never resent.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { DeadlineExceededError, UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import { type EtcdServer, freePort, startEtcd } from '../../src/testing/etcd-server.js';
import { collect } from './helpers.js';
import { startProxy, type TcpProxy } from './tcp-proxy.js';

let server: EtcdServer;
let direct: EtcdBackend;
let dead: string;

beforeAll(async () => {
  server = await startEtcd();
  direct = new EtcdBackend({ endpoints: server.endpoint });
  dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
});
afterAll(async () => {
  await direct?.close();
  await server?.stop();
});

describe('multiple endpoints with one dead', () => {
  for (const order of ['dead first', 'dead last'] as const) {
    it(`every call succeeds, repeatedly (${order})`, async () => {
      const endpoints = order === 'dead first' ? [dead, server.endpoint] : [server.endpoint, dead];
      const b = new EtcdBackend({ endpoints, dialTimeoutMs: 2_000 });
      try {
        // Many calls in a row: a circuit breaker that counted the dead member's failures would trip here.
        for (let i = 0; i < 20; i++) {
          await b.put({ key: `fo/${order}/${i}`, value: String(i) });
          expect((await b.range({ key: `fo/${order}/${i}` })).kvs[0]!.version).toBe(1);
        }
        const lease = await b.leaseGrant({ ttl: 10 });
        expect((await b.leaseKeepAlive({ id: lease.id })).ttl).toBe(10);
        const w = b.watch({ key: `fo/${order}/w` });
        await w.created;
        await b.put({ key: `fo/${order}/w`, value: 'x' });
        const got = await collect(w, (all) => all.some((r) => r.events.length > 0));
        expect(got.flatMap((r) => r.events.map((e) => toText(e.kv.value)))).toEqual(['x']);
        await b.leaseRevoke({ id: lease.id });
      } finally {
        await b.close();
      }
    });
  }
});

describe('dial timeout', () => {
  it('a call to an unreachable cluster fails with UnavailableError within dialTimeoutMs, not the request timeout', async () => {
    const b = new EtcdBackend({ endpoints: [dead], dialTimeoutMs: 300, requestTimeoutMs: 60_000 });
    try {
      const started = Date.now();
      const error = await b.range({ key: 'a' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).retryable).toBe(true);
      // Far below the 60 s request timeout: the dial timeout ended it (generous bound for a busy machine).
      expect(Date.now() - started).toBeLessThan(15_000);
      await expect(b.put({ key: 'a', value: 'v' })).rejects.toBeInstanceOf(UnavailableError);
      await expect(b.leaseKeepAlive({ id: 1n })).rejects.toBeInstanceOf(UnavailableError);
      // A watch on an unreachable cluster fails instead of waiting forever.
      await expect(b.watch({ key: 'a' }).created).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await b.close();
    }
  });
});

describe('outcome of a lost connection', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startProxy(server.clientPort);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('a write whose reply is lost fails with UnknownOutcomeError and is not resent', async () => {
    const b = new EtcdBackend({ endpoints: [proxy.endpoint] });
    try {
      await b.status(); // connect through the proxy first
      proxy.mode = 'drop-next-reply';
      const error = await b.put({ key: 'uo/a', value: 'once' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownOutcomeError);
      expect((error as UnknownOutcomeError).retryable).toBe(false);
      // It reached etcd once; a resend over the reconnected proxy would make version 2.
      const kv = (await direct.range({ key: 'uo/a' })).kvs[0];
      expect(kv?.version).toBe(1);
    } finally {
      proxy.mode = 'forward';
      await b.close();
    }
  });

  it('a read whose reply is lost is retried and succeeds', async () => {
    await direct.put({ key: 'uo/r', value: 'read-me' });
    const b = new EtcdBackend({ endpoints: [proxy.endpoint] });
    try {
      await b.status();
      proxy.mode = 'drop-next-reply';
      const got = await b.range({ key: 'uo/r' });
      expect(toText(got.kvs[0]!.value)).toBe('read-me');
      expect(proxy.mode).toBe('forward'); // the first attempt's reply really was dropped
    } finally {
      proxy.mode = 'forward';
      await b.close();
    }
  });

  it('a black-holed connection: the write is UnknownOutcomeError and the read DeadlineExceededError at the request deadline', async () => {
    const b = new EtcdBackend({ endpoints: [proxy.endpoint], requestTimeoutMs: 1_000 });
    try {
      await b.status();
      proxy.mode = 'blackhole';
      await expect(b.put({ key: 'uo/bh', value: 'x' })).rejects.toBeInstanceOf(UnknownOutcomeError);
      await expect(b.range({ key: 'uo/bh' })).rejects.toBeInstanceOf(DeadlineExceededError);
    } finally {
      proxy.mode = 'forward';
      await b.close();
    }
  });
});
