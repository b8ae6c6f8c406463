import http2 from 'node:http2';
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameType, PREFACE } from '../../src/server/transport/frames.js';
import {
  DynamicTable,
  decodeHeaderBlock,
  decodeInteger,
  encodeInteger,
  encodeString,
  HpackError,
  rewriteHeaderBlock,
} from '../../src/server/transport/hpack.js';
import {
  HuffmanError,
  huffmanCode,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from '../../src/server/transport/huffman.js';
import { fcParams } from '../property/harness/budget.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('Huffman code (RFC 7541 Appendix B)', () => {
  it('builds the codes Appendix B lists from the code lengths', () => {
    // A sample across every length class, as printed in the RFC ("code as hex", "len").
    const listed: [symbol: number, code: number, bits: number][] = [
      [0, 0x1ff8, 13],
      [1, 0x7fffd8, 23],
      [9, 0xffffea, 24],
      [10, 0x3ffffffc, 30],
      [32, 0x14, 6],
      [47, 0x18, 6],
      [48, 0x0, 5],
      [58, 0x5c, 7],
      [92, 0x7fff0, 19],
      [127, 0xffffffc, 28],
      [128, 0xfffe6, 20],
      [153, 0x1fffdc, 21],
      [199, 0x1ffffec, 25],
      [200, 0x3ffffe2, 26],
      [203, 0x7ffffde, 27],
      [255, 0x3ffffee, 26],
      [256, 0x3fffffff, 30],
    ];
    for (const [symbol, code, bits] of listed)
      expect(huffmanCode(symbol), `symbol ${symbol}`).toEqual({ code, bits });
  });

  it('is a complete prefix code (Kraft sum exactly 1)', () => {
    let sum = 0;
    for (let symbol = 0; symbol <= 256; symbol++) sum += 2 ** (30 - huffmanCode(symbol).bits);
    expect(sum).toBe(2 ** 30);
  });

  it('decodes and encodes the RFC examples (C.4, C.6)', () => {
    const examples: [string, string][] = [
      ['f1e3c2e5f23a6ba0ab90f4ff', 'www.example.com'],
      ['a8eb10649cbf', 'no-cache'],
      ['25a849e95ba97d7f', 'custom-key'],
      ['25a849e95bb8e8b4bf', 'custom-value'],
      ['6402', '302'],
      ['aec3771a4b', 'private'],
      ['d07abe941054d444a8200595040b8166e082a62d1bff', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['9d29ad171863c78f0b97c8e9ae82ae43d3', 'https://www.example.com'],
    ];
    for (const [coded, text] of examples) {
      expect(huffmanDecode(hex(coded)).toString('latin1')).toBe(text);
      expect(huffmanEncode(Buffer.from(text, 'latin1')).toString('hex')).toBe(coded);
      expect(huffmanEncodedLength(Buffer.from(text, 'latin1'))).toBe(coded.length / 2);
    }
  });

  it('round-trips any octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (octets) => {
        expect([...huffmanDecode(huffmanEncode(octets))]).toEqual([...octets]);
      }),
      fcParams(300),
    );
  });

  it('refuses EOS inside a string and padding that is too long or not all ones', () => {
    expect(() => huffmanDecode(hex('ffffffff'))).toThrow(HuffmanError); // EOS (30 ones) + 2 bits
    expect(() => huffmanDecode(hex('1fff'))).toThrow(/padding/); // 'a' then 11 one bits
    expect(() => huffmanDecode(hex('00'))).toThrow(/padding/); // '0' then 3 zero bits
    expect(huffmanDecode(hex('07')).toString()).toBe('0'); // '0' then 3 one bits
  });
});

describe('HPACK integers and strings (RFC 7541 §5, C.1)', () => {
  it('encodes and decodes the C.1 integers', () => {
    expect(encodeInteger(10, 5)).toEqual(hex('0a'));
    expect(encodeInteger(1337, 5)).toEqual(hex('1f9a0a'));
    expect(encodeInteger(42, 8)).toEqual(hex('2a'));
    expect(decodeInteger(hex('ea'), 0, 5)).toEqual({ value: 10, next: 1 });
    expect(decodeInteger(hex('ff9a0a'), 0, 5)).toEqual({ value: 1337, next: 3 });
    expect(() => decodeInteger(hex('1f9a'), 0, 5)).toThrow(HpackError);
    expect(() => decodeInteger(hex('1fffffffff0f'), 0, 5)).toThrow(/too large/);
  });

  it('writes a string Huffman-coded only when that is shorter', () => {
    expect(encodeString(Buffer.from('www.example.com'))).toEqual(hex('8cf1e3c2e5f23a6ba0ab90f4ff'));
    expect(encodeString(Buffer.from('{}'))).toEqual(hex('027b7d'));
  });
});

/** Decode consecutive header blocks with one table, as one connection would. */
function decodeAll(blocks: string[], table: DynamicTable): [string, string][][] {
  return blocks.map((block) => decodeHeaderBlock(hex(block), table));
}

describe('HPACK header blocks (RFC 7541 Appendix C)', () => {
  const requests = [
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ],
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ],
    [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ],
  ];

  it('C.3: raw literals, indexed names and fields from the static and dynamic tables', () => {
    const table = new DynamicTable();
    const blocks = [
      '828684410f7777772e6578616d706c652e636f6d',
      '828684be58086e6f2d6361636865',
      '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
    ];
    const sizes: number[] = [];
    const decoded = blocks.map((block) => {
      const fields = decodeHeaderBlock(hex(block), table);
      sizes.push(table.size);
      return fields;
    });
    expect(decoded).toEqual(requests);
    expect(sizes).toEqual([57, 110, 164]);
    expect(table.get(62).name).toBe('custom-key');
    expect(table.get(64).value.toString()).toBe('www.example.com');
  });

  it('C.4: the same requests Huffman-coded', () => {
    const table = new DynamicTable();
    const blocks = [
      '828684418cf1e3c2e5f23a6ba0ab90f4ff',
      '828684be5886a8eb10649cbf',
      '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf',
    ];
    expect(decodeAll(blocks, table)).toEqual(requests);
    expect(table.size).toBe(164);
  });

  const responses = [
    [
      [':status', '302'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ],
    [
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ],
    [
      [':status', '200'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
      ['location', 'https://www.example.com'],
      ['content-encoding', 'gzip'],
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
    ],
  ];

  it('C.5: eviction in a 256-octet table', () => {
    const table = new DynamicTable(256);
    const blocks = [
      `4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54
       6e1768747470733a2f2f7777772e6578616d706c652e636f6d`,
      '4803333037c1c0bf',
      `88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d
       4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273
       696f6e3d31`,
    ];
    const decoded = decodeAll(blocks.slice(0, 2), table);
    expect(table.size).toBe(222);
    decoded.push(...decodeAll(blocks.slice(2), table));
    expect(decoded).toEqual(responses);
    expect(table.length).toBe(3);
    expect(table.size).toBe(215);
    expect(table.get(62).name).toBe('set-cookie');
  });

  it('C.6: Huffman-coded responses evict the same entries', () => {
    const table = new DynamicTable(256);
    const blocks = [
      `488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97
       c8e9ae82ae43d3`,
      '4883640effc1c0bf',
    ];
    expect(decodeAll(blocks, table)).toEqual(responses.slice(0, 2));
    expect(table.size).toBe(222);
    expect(table.get(62).value.toString()).toBe('307');
  });

  it('applies table size updates at the start of a block, and refuses them elsewhere or above the limit', () => {
    const table = new DynamicTable();
    decodeHeaderBlock(hex('828684410f7777772e6578616d706c652e636f6d'), table);
    expect(table.size).toBe(57);
    // Size 0 empties the table, size 4096 (3fe11f) restores room; the block then indexes a new entry.
    expect(decodeHeaderBlock(hex('203fe11f4103616263'), table)).toEqual([[':authority', 'abc']]);
    expect(table.maxSize).toBe(4096);
    expect(table.length).toBe(1);
    expect(() => decodeHeaderBlock(hex('8220'), new DynamicTable())).toThrow(/after a header field/);
    expect(() => decodeHeaderBlock(hex('3fe21f'), new DynamicTable())).toThrow(/exceeds the limit/);
    expect(() => decodeHeaderBlock(hex('be'), new DynamicTable())).toThrow(/not in the table/);
    expect(() => decodeHeaderBlock(hex('80'), new DynamicTable())).toThrow(/index 0/);
  });

  it('evicts everything for an entry larger than the table', () => {
    const table = new DynamicTable(64);
    decodeHeaderBlock(hex('4103616263'), table); // 10 + 3 + 32 = 45
    expect(table.length).toBe(1);
    decodeHeaderBlock(Buffer.concat([hex('41'), encodeString(Buffer.alloc(40, 0x61))]), table);
    expect(table.length).toBe(0);
    expect(table.size).toBe(0);
  });
});

describe('rewriteHeaderBlock', () => {
  const dash = (name: string, value: Buffer): Buffer | undefined =>
    name === ':authority' && value.includes(0x2f)
      ? Buffer.from(value.map((c) => (c === 0x2f ? 0x2d : c)))
      : undefined;

  it('replaces a Huffman-coded value behind a static name, keeps the rest byte for byte', () => {
    // ..., then an indexed field for the entry it added (index 62).
    const block = Buffer.concat([
      hex('8386'),
      hex('41'),
      encodeString(Buffer.from('http://127.0.0.1:2379')),
      hex('be'),
    ]);
    const client = new DynamicTable();
    const server = new DynamicTable();
    const out = rewriteHeaderBlock(block, client, dash)!;
    expect(out.subarray(0, 3)).toEqual(hex('838641'));
    expect(decodeHeaderBlock(out, server)).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'http:--127.0.0.1:2379'],
      [':authority', 'http:--127.0.0.1:2379'],
    ]);
    expect(out.subarray(-1)).toEqual(hex('be'));
    expect(server.size).toBe(client.size);
    expect(client.get(62).value.toString()).toBe('http://127.0.0.1:2379');
  });

  it('replaces a raw value behind a literal name and behind a dynamic-table name', () => {
    const client = new DynamicTable();
    const server = new DynamicTable();
    // Literal name ":authority" (incremental indexing), then a literal with name index 62 (that entry).
    const first = Buffer.concat([
      hex('40'),
      encodeString(Buffer.from(':authority')),
      hex('08'),
      Buffer.from('http://a'),
    ]);
    const second = Buffer.concat([hex('7e'), hex('08'), Buffer.from('http://b')]);
    const out1 = rewriteHeaderBlock(first, client, dash)!;
    const out2 = rewriteHeaderBlock(second, client, dash)!;
    expect(decodeHeaderBlock(out1, server)).toEqual([[':authority', 'http:--a']]);
    expect(decodeHeaderBlock(out2, server)).toEqual([[':authority', 'http:--b']]);
    expect(server.size).toBe(client.size);
    expect(server.length).toBe(2);
  });

  it('returns undefined when nothing changes, and refuses a replacement of another length', () => {
    const block = hex('828684418cf1e3c2e5f23a6ba0ab90f4ff');
    expect(rewriteHeaderBlock(block, new DynamicTable(), dash)).toBeUndefined();
    expect(() => rewriteHeaderBlock(block, new DynamicTable(), () => Buffer.from('x'))).toThrow(RangeError);
  });
});

describe('against nghttp2', () => {
  it("decodes the header blocks Node's HTTP/2 client writes, Huffman-coding every octet it may send", async () => {
    // Octets Node lets into a header value; each value is mostly "a" (5 bits) so nghttp2 Huffman-codes it.
    const octets = [
      0x09,
      ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i),
      ...Array.from({ length: 128 }, (_, i) => 0x80 + i),
    ];
    const values = octets.map((o) => `${'a'.repeat(24)}${String.fromCharCode(o)}a`);
    const sent: [string, string][][] = [];
    for (let i = 0; i < values.length; i += 40) {
      sent.push(values.slice(i, i + 40).map((v, j) => [`x-${i + j}`, v]));
    }
    // A bare TCP server that collects what the client writes.
    const received: Buffer[] = [];
    const tcp = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(encodeFrame(FrameType.SETTINGS, 0, 0));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const { port } = tcp.address() as net.AddressInfo;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    try {
      for (const fields of sent) {
        const stream = session.request({ ':path': '/', ...Object.fromEntries(fields) }, { endStream: true });
        stream.on('error', () => {});
      }
      const deadline = Date.now() + 5000;
      let blocks: [string, string][][] = [];
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        const bytes = Buffer.concat(received);
        blocks = [];
        const table = new DynamicTable();
        let p = PREFACE.length;
        while (p + 9 <= bytes.length && p + 9 + bytes.readUIntBE(p, 3) <= bytes.length) {
          const length = bytes.readUIntBE(p, 3);
          if (bytes[p + 3] === FrameType.HEADERS) {
            blocks.push(decodeHeaderBlock(bytes.subarray(p + 9, p + 9 + length), table));
          }
          p += 9 + length;
        }
        if (blocks.length === sent.length) break;
      }
      expect(blocks.map((b) => b.filter(([name]) => name.startsWith('x-')))).toEqual(sent);
      // nghttp2 did Huffman-code them: the values' octets are not in the stream as they are.
      expect(Buffer.concat(received).includes(Buffer.from(values[0]!, 'latin1'))).toBe(false);
    } finally {
      session.destroy();
      tcp.close();
    }
  });
});
