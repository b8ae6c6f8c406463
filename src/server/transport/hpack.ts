/**
 * Just enough HPACK (RFC 7541) to read a request's header block and rewrite one header's value in place:
 * integers and string literals, the static table, and a dynamic table that follows the client's encoder
 * (insertions, eviction, size updates). The rewriter keeps every representation as the client wrote it
 * except the value it replaces, and replaces a value only with one of the same decoded length, so the
 * server's decoder builds a table with the same entry sizes — and so the same indexes — as the client's.
 */

import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.js';

/** A header block RFC 7541 calls a decoding error (§4.3, §5, §6), or one too large to follow. */
export class HpackError extends Error {
  override name = 'HpackError';
}

/** RFC 7541 Appendix A: the static table, index 1..61. */
// biome-ignore format: one entry per line reads as the RFC's table
export const STATIC_TABLE: readonly (readonly [name: string, value: string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''],
  ['cache-control', ''], ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''],
  ['content-length', ''], ['content-location', ''], ['content-range', ''], ['content-type', ''],
  ['cookie', ''], ['date', ''], ['etag', ''], ['expect', ''], ['expires', ''], ['from', ''], ['host', ''],
  ['if-match', ''], ['if-modified-since', ''], ['if-none-match', ''], ['if-range', ''],
  ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''], ['location', ''], ['max-forwards', ''],
  ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''], ['referer', ''], ['refresh', ''],
  ['retry-after', ''], ['server', ''], ['set-cookie', ''], ['strict-transport-security', ''],
  ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''], ['www-authenticate', ''],
];

/** SETTINGS_HEADER_TABLE_SIZE before either side says otherwise (RFC 7540 §6.5.2). */
export const DEFAULT_TABLE_SIZE = 4096;

/** Integers larger than this are refused (no header block needs them; it keeps arithmetic exact). */
const MAX_INTEGER = 2 ** 31 - 1;

/** One entry: a name, a value, and its size as §4.1 counts it. */
interface Entry {
  readonly name: string;
  readonly value: Buffer;
  readonly size: number;
}

/** The dynamic table as one side's encoder and the other's decoder keep it (§2.3.2, §4). */
export class DynamicTable {
  /** Newest first: index 62 is entries[0]. */
  readonly #entries: Entry[] = [];
  #size = 0;
  #maxSize: number;

  constructor(maxSize = DEFAULT_TABLE_SIZE) {
    this.#maxSize = maxSize;
  }

  /** Sum of the entries' sizes (name + value + 32 each). */
  get size(): number {
    return this.#size;
  }

  /** The size the encoder last set (§6.3). */
  get maxSize(): number {
    return this.#maxSize;
  }

  /** Entries, newest first. */
  get length(): number {
    return this.#entries.length;
  }

  /** The entry at HPACK index `index` (static 1..61, then dynamic). */
  get(index: number): { name: string; value: Buffer } {
    if (index >= 1 && index <= STATIC_TABLE.length) {
      const [name, value] = STATIC_TABLE[index - 1]!;
      return { name, value: Buffer.from(value, 'latin1') };
    }
    const entry = this.#entries[index - STATIC_TABLE.length - 1];
    if (entry === undefined) throw new HpackError(`header index ${index} is not in the table`);
    return entry;
  }

  /** Insert an entry, evicting the oldest as §4.4 says (an entry larger than the table empties it). */
  add(name: string, value: Buffer): void {
    const size = name.length + value.length + 32;
    this.#evictTo(this.#maxSize - size);
    if (size <= this.#maxSize) {
      this.#entries.unshift({ name, value, size });
      this.#size += size;
    }
  }

  /** A dynamic table size update (§6.3); `limit` is the decoder's SETTINGS_HEADER_TABLE_SIZE. */
  setMaxSize(maxSize: number, limit = DEFAULT_TABLE_SIZE): void {
    if (maxSize > limit) throw new HpackError(`table size update to ${maxSize} exceeds the limit ${limit}`);
    this.#maxSize = maxSize;
    this.#evictTo(maxSize);
  }

  #evictTo(target: number): void {
    while (this.#size > Math.max(target, 0)) {
      const oldest = this.#entries.pop()!;
      this.#size -= oldest.size;
    }
  }
}

/** Read an integer with an N-bit prefix (§5.1) at `offset`. */
export function decodeInteger(
  block: Uint8Array,
  offset: number,
  prefixBits: number,
): { value: number; next: number } {
  const first = block[offset];
  if (first === undefined) throw new HpackError('header block ends inside an integer');
  const max = (1 << prefixBits) - 1;
  let value = first & max;
  let next = offset + 1;
  if (value < max) return { value, next };
  let factor = 1;
  for (;;) {
    const byte = block[next];
    if (byte === undefined) throw new HpackError('header block ends inside an integer');
    next += 1;
    value += (byte & 0x7f) * factor;
    if (value > MAX_INTEGER) throw new HpackError('integer too large');
    if ((byte & 0x80) === 0) return { value, next };
    factor *= 128;
  }
}

/** Write `value` with an N-bit prefix (§5.1); `flags` are the bits above the prefix in the first byte. */
export function encodeInteger(value: number, prefixBits: number, flags = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.of(flags | value);
  const bytes = [flags | max];
  value -= max;
  while (value >= 128) {
    bytes.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** A string literal (§5.2) as read: its decoded octets and where its encoding sits in the block. */
export interface StringLiteral {
  readonly value: Buffer;
  readonly start: number;
  readonly end: number;
}

/** Read a string literal at `offset`. */
export function decodeString(block: Uint8Array, offset: number): StringLiteral {
  const huffman = ((block[offset] ?? 0) & 0x80) !== 0;
  const { value: length, next } = decodeInteger(block, offset, 7);
  const end = next + length;
  if (end > block.length) throw new HpackError('header block ends inside a string');
  const raw = Buffer.from(block.buffer, block.byteOffset + next, length);
  try {
    return { value: huffman ? huffmanDecode(raw) : Buffer.from(raw), start: offset, end };
  } catch (error) {
    throw new HpackError((error as Error).message);
  }
}

/** Encode a string literal, Huffman-coded when that is shorter (as nghttp2 and Go do). */
export function encodeString(value: Uint8Array): Buffer {
  if (huffmanEncodedLength(value) < value.length) {
    const coded = huffmanEncode(value);
    return Buffer.concat([encodeInteger(coded.length, 7, 0x80), coded]);
  }
  return Buffer.concat([encodeInteger(value.length, 7), value]);
}

/** One header field of a block, with where its value's encoding sits (absent when fully indexed). */
export interface HeaderField {
  readonly name: string;
  readonly value: Buffer;
  /** The value's string literal, for fields that carry one. */
  readonly literal?: StringLiteral;
}

/**
 * Walk a complete header block, updating `table` as the encoder did, and yield each header field in
 * order. `limit` is the decoder's SETTINGS_HEADER_TABLE_SIZE, the ceiling for table size updates.
 */
export function* headerFields(
  block: Uint8Array,
  table: DynamicTable,
  limit = DEFAULT_TABLE_SIZE,
): Generator<HeaderField> {
  let offset = 0;
  let fieldSeen = false;
  while (offset < block.length) {
    const first = block[offset]!;
    if (first & 0x80) {
      // Indexed header field (§6.1).
      const { value: index, next } = decodeInteger(block, offset, 7);
      if (index === 0) throw new HpackError('header index 0');
      offset = next;
      fieldSeen = true;
      yield table.get(index);
    } else if ((first & 0xe0) === 0x20) {
      // Dynamic table size update (§6.3): only at the start of a block (§4.2).
      if (fieldSeen) throw new HpackError('table size update after a header field');
      const { value: size, next } = decodeInteger(block, offset, 5);
      table.setMaxSize(size, limit);
      offset = next;
    } else {
      // Literal with incremental indexing (01), without indexing (0000), never indexed (0001).
      const indexing = (first & 0xc0) === 0x40;
      const { value: nameIndex, next } = decodeInteger(block, offset, indexing ? 6 : 4);
      let name: string;
      if (nameIndex === 0) {
        const literal = decodeString(block, next);
        name = literal.value.toString('latin1');
        offset = literal.end;
      } else {
        name = table.get(nameIndex).name;
        offset = next;
      }
      const literal = decodeString(block, offset);
      offset = literal.end;
      fieldSeen = true;
      if (indexing) table.add(name, literal.value);
      yield { name, value: literal.value, literal };
    }
  }
}

/** Decode a whole header block into its fields (name, value) in order. */
export function decodeHeaderBlock(
  block: Uint8Array,
  table: DynamicTable,
  limit = DEFAULT_TABLE_SIZE,
): [name: string, value: string][] {
  return [...headerFields(block, table, limit)].map((f) => [f.name, f.value.toString('latin1')]);
}

/**
 * Walk a header block (updating `table`) and replace the value of each literal field for which `replace`
 * returns new octets, which must have the value's length. Returns the new block, or undefined when no
 * value changed (the block then goes on as it came).
 */
export function rewriteHeaderBlock(
  block: Buffer,
  table: DynamicTable,
  replace: (name: string, value: Buffer) => Buffer | undefined,
  limit = DEFAULT_TABLE_SIZE,
): Buffer | undefined {
  const pieces: Buffer[] = [];
  let copied = 0;
  for (const field of headerFields(block, table, limit)) {
    if (field.literal === undefined) continue;
    const replacement = replace(field.name, field.value);
    if (replacement === undefined) continue;
    if (replacement.length !== field.value.length) {
      throw new RangeError(`a replacement must keep the value's length ${field.value.length}`);
    }
    pieces.push(block.subarray(copied, field.literal.start), encodeString(replacement));
    copied = field.literal.end;
  }
  if (pieces.length === 0) return undefined;
  pieces.push(block.subarray(copied));
  return Buffer.concat(pieces);
}
