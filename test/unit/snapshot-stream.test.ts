/** The Snapshot stream's messages: etcd's 32 KiB chunks with the bytes still to come, then the SHA-256. */

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { snapshotMessages, stripHashTrailer } from '../../src/memory-backend/maintenance/snapshot.js';

describe('snapshot stream', () => {
  it('chunks as etcd does (184,320 bytes: 151552 / 118784 / 86016 / 53248 / 20480 / 0, then the hash)', () => {
    const data = new Uint8Array(184_320).map((_, i) => i % 251);
    const messages = [...snapshotMessages(data)];
    expect(messages.map((m) => m.remainingBytes)).toEqual([151552, 118784, 86016, 53248, 20480, 0, 0]);
    expect(messages.map((m) => m.blob.length)).toEqual([32768, 32768, 32768, 32768, 32768, 20480, 32]);
    expect(Buffer.from(messages.at(-1)!.blob)).toEqual(createHash('sha256').update(data).digest());
    const all = Buffer.concat(messages.map((m) => m.blob));
    expect(Buffer.from(stripHashTrailer(all))).toEqual(Buffer.from(data));
    // A trailer that is not the data's hash is data.
    all[all.length - 1]! ^= 1;
    expect(stripHashTrailer(all).length).toBe(all.length);
  });
});
