/** Put, get and delete with their revisions: the first slice every backend must get right. */

import { toText } from '../../../common/bytes.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';

export default defineCases('kv basic', [
  {
    name: 'put then get returns the value with create, mod and version',
    async run({ backend, k }) {
      const r0 = (await backend.status()).header.revision;
      const put = await backend.put({ key: k('a'), value: 'one' });
      expect(put.header.revision).toBe(r0 + 1);
      const got = await backend.range({ key: k('a') });
      expect(got.count).toBe(1);
      expect(got.more).toBe(false);
      expect(got.header.revision).toBe(r0 + 1);
      const kv = got.kvs[0]!;
      expect(toText(kv.key)).toBe(k('a'));
      expect(toText(kv.value)).toBe('one');
      expect(kv.createRevision).toBe(r0 + 1);
      expect(kv.modRevision).toBe(r0 + 1);
      expect(kv.version).toBe(1);
      expect(kv.lease).toBe(0n);
    },
  },
  {
    name: 'a second put keeps create revision, bumps version and mod revision, returns prevKv',
    async run({ backend, k }) {
      const first = await backend.put({ key: k('a'), value: 'one' });
      const second = await backend.put({ key: k('a'), value: 'two', prevKv: true });
      expect(second.header.revision).toBe(first.header.revision + 1);
      expect(toText(second.prevKv!.value)).toBe('one');
      expect(second.prevKv!.version).toBe(1);
      const kv = (await backend.range({ key: k('a') })).kvs[0]!;
      expect(kv.createRevision).toBe(first.header.revision);
      expect(kv.modRevision).toBe(second.header.revision);
      expect(kv.version).toBe(2);
      expect(toText(kv.value)).toBe('two');
    },
  },
  {
    name: 'a put of an identical value still makes a new revision',
    async run({ backend, k }) {
      const first = await backend.put({ key: k('same'), value: 'v' });
      const second = await backend.put({ key: k('same'), value: 'v' });
      expect(second.header.revision).toBe(first.header.revision + 1);
    },
  },
  {
    name: 'prevKv on a put that creates the key is absent',
    async run({ backend, k }) {
      const put = await backend.put({ key: k('new'), value: 'v', prevKv: true });
      expect(put.prevKv).toBeUndefined();
    },
  },
  {
    name: 'get of a missing key is empty and leaves the revision unchanged',
    async run({ backend, k }) {
      const r0 = (await backend.status()).header.revision;
      const got = await backend.range({ key: k('missing') });
      expect(got.kvs).toEqual([]);
      expect(got.count).toBe(0);
      expect(got.header.revision).toBe(r0);
    },
  },
  {
    name: 'delete removes the key at a new revision with prevKvs; deleting nothing keeps the revision',
    async run({ backend, k }) {
      const put = await backend.put({ key: k('d'), value: 'x' });
      const del = await backend.deleteRange({ key: k('d'), prevKv: true });
      expect(del.deleted).toBe(1);
      expect(del.header.revision).toBe(put.header.revision + 1);
      expect(del.prevKvs.map((kv) => toText(kv.value))).toEqual(['x']);
      expect((await backend.range({ key: k('d') })).count).toBe(0);
      const again = await backend.deleteRange({ key: k('d') });
      expect(again.deleted).toBe(0);
      expect(again.header.revision).toBe(del.header.revision);
    },
  },
  {
    name: 'a re-created key starts a new generation: version 1, new create revision',
    async run({ backend, k }) {
      await backend.put({ key: k('g'), value: '1' });
      await backend.put({ key: k('g'), value: '2' });
      await backend.deleteRange({ key: k('g') });
      const again = await backend.put({ key: k('g'), value: '3' });
      const kv = (await backend.range({ key: k('g') })).kvs[0]!;
      expect(kv.version).toBe(1);
      expect(kv.createRevision).toBe(again.header.revision);
    },
  },
  {
    name: 'keys and values are binary-safe',
    async run({ backend, k }) {
      const key = new Uint8Array([...new TextEncoder().encode(k('')), 0, 0xff, 0x80]);
      const value = new Uint8Array([0, 1, 2, 0xfe, 0xff]);
      await backend.put({ key, value });
      const kv = (await backend.range({ key })).kvs[0]!;
      expect([...kv.key]).toEqual([...key]);
      expect([...kv.value]).toEqual([...value]);
    },
  },
  {
    name: 'string keys and values are their UTF-8 bytes (a lone surrogate as U+FFFD), read back by either form',
    async run({ backend, k }) {
      const utf8 = (s: string) => [...new TextEncoder().encode(s)];
      for (const [suffix, bytes] of [
        ['ascii', utf8('ascii')],
        ['\u0000\u007f', [0x00, 0x7f]],
        ['é', [0xc3, 0xa9]],
        ['😀', [0xf0, 0x9f, 0x98, 0x80]],
        ['\ud800', [0xef, 0xbf, 0xbd]],
      ] as const) {
        const text = k(suffix);
        await backend.put({ key: text, value: suffix });
        const key = new Uint8Array([...utf8(k('')), ...bytes]);
        const byBytes = await backend.range({ key });
        expect(byBytes.count).toBe(1);
        expect([...byBytes.kvs[0]!.value]).toEqual([...bytes]);
        expect([...(await backend.range({ key: text })).kvs[0]!.key]).toEqual([...key]);
      }
      // Byte order, not UTF-16 order: "é" (0xC3…) sorts after "z".
      const all = await backend.range({ key: k(''), rangeEnd: k('\u{10ffff}'), keysOnly: true });
      expect(all.kvs.map((kv) => toText(kv.key).slice(k('').length))).toEqual([
        '\u0000\u007f',
        'ascii',
        'é',
        '\ufffd',
        '😀',
      ]);
    },
  },
  {
    name: 'an empty key is rejected with "etcdserver: key is not provided" on put, range and delete',
    async run({ backend }) {
      for (const call of [
        () => backend.put({ key: '', value: 'v' }),
        () => backend.range({ key: '' }),
        () => backend.deleteRange({ key: '' }),
      ]) {
        await expect(call()).rejects.toMatchObject({
          name: 'EmptyKeyError',
          code: 'ErrEmptyKey',
          grpcCode: 3,
          message: 'etcdserver: key is not provided',
        });
      }
    },
  },
]);
