/**
 * CRC-32C (Castagnoli), the checksum etcd's Hash and HashKV use (Go's crc32.MakeTable(crc32.Castagnoli)).
 * Table-driven, one byte at a time; {@link crc32cUpdate} continues a running checksum over more bytes.
 */

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The running checksum after `bytes`, starting from `crc` (0 for a new checksum). */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(0, bytes);
}
