/** The vitest global setup: what it provides for each choice of etcd and server, and that it stops them. */

import { Etcd3 } from 'etcd3';
import { expect, it } from 'vitest';
import { type EtcdKvKitProvided, etcdGlobalSetup } from '../../src/testing/vitest.js';

async function setUp(options: Parameters<typeof etcdGlobalSetup>[0]) {
  let provided: EtcdKvKitProvided | undefined;
  const teardown = await etcdGlobalSetup(options)({ provide: (_key, value) => (provided = value) });
  return { provided: provided!, teardown };
}

it('etcd: false gives the run only a simulator server, which answers and stops with the teardown', async () => {
  const { provided, teardown } = await setUp({ etcd: false });
  expect(provided.etcd).toBeUndefined();
  expect(provided.server).toMatchObject({ minLeaseTtl: 1, version: expect.stringMatching(/^3\.\d+\.\d+$/) });
  const client = new Etcd3({ hosts: provided.server!.endpoint });
  try {
    await client.put('k').value('v');
    expect(await client.get('k').string()).toBe('v');
  } finally {
    client.close();
  }
  await teardown();
  await expect(fetch(`${provided.server!.endpoint}/health`)).rejects.toThrow();
});

it('server options reach the simulator: its release and minimum lease TTL are what it provides', async () => {
  const { provided, teardown } = await setUp({
    etcd: false,
    server: { etcdVersion: '3.4.23', minLeaseTtl: 3 },
  });
  try {
    expect(provided.server).toMatchObject({ minLeaseTtl: 3, version: '3.4.23' });
  } finally {
    await teardown();
  }
});

it('the default gives both a real etcd and a simulator server', async () => {
  const { provided, teardown } = await setUp(undefined);
  try {
    expect(provided.etcd?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(provided.server?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await teardown();
  }
});
