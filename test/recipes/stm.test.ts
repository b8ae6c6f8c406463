import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import { type Isolation, Kv, runStm, TxnConflictError } from '../../src/recipes/index.js';
import { forBackends } from './env.js';

forBackends('stm', (target) => {
  for (const isolation of ['serializable-snapshot', 'serializable', 'repeatable-reads'] as Isolation[]) {
    it(`${isolation}: a write to a read key between read and commit makes apply run again`, async () => {
      await using env = await target.open();
      const { backend, prefix } = env;
      await backend.put({ key: `${prefix}x`, value: '1' });
      let attempts = 0;
      const { result } = await runStm(
        backend,
        async (stm) => {
          attempts++;
          const x = Number(await stm.get(`${prefix}x`));
          if (attempts === 1) await backend.put({ key: `${prefix}x`, value: '10' });
          stm.put(`${prefix}y`, String(x + 1));
          return x;
        },
        { isolation },
      );
      expect(attempts).toBe(2);
      expect(result).toBe(10);
      await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
    });
  }

  it('read-committed never conflicts', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    await backend.put({ key: `${prefix}x`, value: '1' });
    let attempts = 0;
    await runStm(
      backend,
      async (stm) => {
        attempts++;
        await stm.get(`${prefix}x`);
        await backend.put({ key: `${prefix}x`, value: '10' });
        stm.put(`${prefix}y`, 'done');
      },
      { isolation: 'read-committed' },
    );
    expect(attempts).toBe(1);
    await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
  });

  it('serializable-snapshot also conflicts on a written key changed after the snapshot; serializable does not', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    await backend.put({ key: `${prefix}a`, value: '1' });
    for (const [isolation, expected] of [
      ['serializable-snapshot', 2],
      ['serializable', 1],
    ] as const) {
      let attempts = 0;
      await runStm(
        backend,
        async (stm) => {
          attempts++;
          await stm.get(`${prefix}a`);
          if (attempts === 1) await backend.put({ key: `${prefix}b`, value: 'other' });
          stm.put(`${prefix}b`, 'mine');
        },
        { isolation },
      );
      expect(attempts).toBe(expected);
    }
    await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
  });

  it('gives up with TxnConflictError after maxAttempts', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    let n = 0;
    const err = await runStm(
      backend,
      async (stm) => {
        await stm.get(`${prefix}hot`);
        await backend.put({ key: `${prefix}hot`, value: String(n++) });
        stm.put(`${prefix}out`, 'x');
      },
      { maxAttempts: 3 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxnConflictError);
    expect(n).toBe(3);
    await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
    expect(await env.keys()).toEqual([]);
  });

  it('Kv rejects bad arguments with InvalidArgumentError and writes nothing', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    await expect(kv.put('k', 'v', { ttl: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(kv.get(42 as unknown as string)).rejects.toThrow(/received number/);
    await expect(kv.compareAndSwap('k', 5 as unknown as string, 'v')).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(await env.keys()).toEqual([]);
  });
});
