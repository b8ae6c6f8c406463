import fc from 'fast-check';
import { expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { ConfigCenter, type ConfigChange, type ConfigEvent } from '../../src/recipes/index.js';
import { forBackends, testSeed } from './env.js';
import { withFaults } from './faults.js';

interface Limits {
  max: number;
}
const parseLimits = (raw: Uint8Array): Limits => JSON.parse(toText(raw)) as Limits;
const validLimits = (v: Limits) => typeof v.max === 'number' && v.max > 0;

forBackends('config center', (target) => {
  it('loads a prefix, parses and validates values, reports changes by iterator and callback', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    await backend.put({ key: `${prefix}api`, value: '{"max":10}' });
    await backend.put({ key: `${prefix}db`, value: '{"max":5}' });
    await using center = await ConfigCenter.open(backend, {
      prefix,
      parse: parseLimits,
      validate: validLimits,
    });
    expect(center.get('api')).toEqual({ max: 10 });
    expect([...center.snapshot().keys()]).toEqual(['api', 'db']);
    const viaCallback: ConfigChange<Limits>[] = [];
    center.onChange((c) => viaCallback.push(c));
    const events: ConfigEvent<Limits>[] = [];
    const iterating = (async () => {
      for await (const e of center.changes()) events.push(e);
    })();
    const put = await backend.put({ key: `${prefix}api`, value: '{"max":20}' });
    await backend.deleteRange({ key: `${prefix}db` });
    await env.waitFor(async () => expect(events.length).toBe(2));
    expect(events[0]).toMatchObject({ type: 'put', key: 'api', value: { max: 20 }, previous: { max: 10 } });
    expect((events[0] as ConfigChange<Limits>).revision).toBe(put.header.revision);
    expect(events[1]).toMatchObject({ type: 'delete', key: 'db', value: undefined, previous: { max: 5 } });
    expect(viaCallback).toEqual(events);
    expect(center.get('api')).toEqual({ max: 20 });
    expect(center.has('db')).toBe(false);
    await center.close();
    await env.until(iterating);
    await backend.deleteRange({ key: `${prefix}api` });
    expect(await env.keys()).toEqual([]);
  });

  it('an invalid value is reported and the last good value kept', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    await backend.put({ key: `${prefix}api`, value: '{"max":10}' });
    await using center = await ConfigCenter.open(backend, {
      prefix,
      parse: parseLimits,
      validate: validLimits,
    });
    const errors: unknown[] = [];
    center.onError((e) => errors.push(e));
    const it = center.changes();
    await backend.put({ key: `${prefix}api`, value: 'not json' });
    await backend.put({ key: `${prefix}api`, value: '{"max":-1}' });
    await backend.put({ key: `${prefix}api`, value: '{"max":30}' });
    const items: ConfigEvent<Limits>[] = [];
    for (let i = 0; i < 3; i++) items.push((await env.until(it.next())).value as ConfigEvent<Limits>);
    expect(items.map((x) => x.type)).toEqual(['error', 'error', 'put']);
    expect(toText((items[0] as { raw: Uint8Array }).raw)).toBe('not json');
    expect(errors).toHaveLength(2);
    expect(items[2]).toMatchObject({ key: 'api', value: { max: 30 }, previous: { max: 10 } });
    expect(center.get('api')).toEqual({ max: 30 });
    await it.return?.();
    await backend.deleteRange({ key: `${prefix}api` });
  });

  it('aborting the open signal closes the center and ends its iterators', async () => {
    await using env = await target.open();
    await env.backend.put({ key: `${env.prefix}k`, value: 'v' });
    const controller = new AbortController();
    const center = await ConfigCenter.open(env.backend, { prefix: env.prefix, signal: controller.signal });
    const it = center.changes();
    const next = it.next();
    controller.abort();
    expect((await env.until(next)).done).toBe(true);
    expect(center.closed).toBe(true);
    await env.backend.put({ key: `${env.prefix}k`, value: 'w' });
    await env.advance(200);
    expect(center.get('k')).toBe('v');
    await center.close();
    await env.backend.deleteRange({ key: `${env.prefix}k` });
    expect(await env.keys()).toEqual([]);
  });

  it('an update made between the load and the watch is not lost', async () => {
    await using env = await target.open();
    const { prefix } = env;
    await env.backend.put({ key: `${prefix}flag`, value: 'old' });
    const faults = withFaults(env.backend);
    // Right after the load's read returns (before the watch is created), another client writes.
    faults.after('range', async () => {
      await env.client().put({ key: `${prefix}flag`, value: 'new' });
    });
    await using center = await ConfigCenter.open(faults.backend, { prefix });
    const loadedRevision = center.revision;
    expect(center.get('flag')).toBe('old'); // the load saw the old value...
    await env.waitFor(async () => expect(center.get('flag')).toBe('new')); // ...and the watch delivers the new one
    expect(center.revision).toBe(loadedRevision + 1);
    await env.backend.deleteRange({ key: `${prefix}flag` });
  });

  it('after its watch position is compacted away it reloads everything, then resumes', async () => {
    await using env = await target.open();
    const { backend, prefix } = env;
    await backend.put({ key: `${prefix}a`, value: '1' });
    await backend.put({ key: `${prefix}b`, value: '1' });
    const faults = withFaults(backend);
    faults.failing.add('watch'); // the watch cannot start: the center falls behind
    await using center = await ConfigCenter.open(faults.backend, { prefix, retryMs: 200 });
    const changes: ConfigChange<string>[] = [];
    center.onChange((c) => changes.push(c));
    await backend.put({ key: `${prefix}a`, value: '2' });
    await backend.deleteRange({ key: `${prefix}b` });
    const last = await backend.put({ key: `${prefix}c`, value: '3' });
    await backend.compact({ revision: last.header.revision });
    faults.failing.delete('watch');
    await env.waitFor(async () => expect(center.reloads).toBe(1), 10_000);
    expect(center.snapshot()).toEqual(
      new Map([
        ['a', '2'],
        ['c', '3'],
      ]),
    );
    expect(changes.every((c) => c.reload)).toBe(true);
    expect(changes.map((c) => `${c.type}:${c.key}`).sort()).toEqual(['delete:b', 'put:a', 'put:c']);
    await backend.put({ key: `${prefix}d`, value: '4' });
    await env.waitFor(async () => expect(center.get('d')).toBe('4'));
    expect(changes.at(-1)?.reload).toBe(false);
    await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
    expect(await env.keys()).toEqual([]);
  });

  it('property: after any sequence of writes (and compactions) the view equals the store', async () => {
    await using env = await target.open();
    const seed = testSeed();
    console.log(`[config center ${env.kind}] fast-check seed=${seed} (replay with RECIPES_SEED=${seed})`);
    const { backend } = env;
    let run = 0;
    const op = fc.oneof(
      fc.record({
        t: fc.constant('put' as const),
        k: fc.constantFrom('a', 'b', 'c', 'd'),
        v: fc.integer({ min: 0, max: 99 }),
      }),
      fc.record({ t: fc.constant('del' as const), k: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ t: fc.constant('compact' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const prefix = `${env.prefix}${++run}/`;
        await using center = await ConfigCenter.open(backend, { prefix, retryMs: 100 });
        for (const o of ops) {
          if (o.t === 'put') await backend.put({ key: prefix + o.k, value: String(o.v) });
          else if (o.t === 'del') await backend.deleteRange({ key: prefix + o.k });
          else await backend.compact({ revision: (await backend.status()).header.revision }).catch(() => {});
        }
        const store = await backend.range({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
        const expected = new Map(
          store.kvs.map((kv) => [toText(kv.key).slice(prefix.length), toText(kv.value)]),
        );
        await env.waitFor(async () => expect(center.snapshot()).toEqual(expected), 10_000);
        await backend.deleteRange({ key: prefix, rangeEnd: `${prefix.slice(0, -1)}0` });
      }),
      { seed, numRuns: env.kind === 'memory' ? 60 : 10 },
    );
    expect(await env.keys()).toEqual([]);
  }, 120_000);
});
