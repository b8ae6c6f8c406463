/**
 * HPACK's static Huffman code (RFC 7541 §5.2, Appendix B). Go's gRPC client Huffman-codes its header
 * strings, so reading a request's `:authority` needs the decoder; the encoder writes the replacement
 * value as compactly as the client would.
 */

/**
 * Code length in bits of each symbol 0..255 and EOS (256), from Appendix B. The code is canonical: codes
 * are assigned in order of (length, symbol), so the lengths alone determine every code.
 */
// biome-ignore format: one row per 16 symbols
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0..15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16..31
   6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6, //  ' '..'/'
   5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10, //  '0'..'?'
  13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, //  '@'..'O'
   7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6, //  'P'..'_'
  15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5, //  '`'..'o'
   6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28, //  'p'..127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128..143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144..159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160..175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176..191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192..207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208..223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224..239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240..255
  30, // EOS
];

const EOS = 256;
const MAX_LENGTH = 30;

/** Symbols in code order, and per length: the first code, how many codes, where they start in `ORDER`. */
const ORDER: number[] = [...CODE_LENGTHS.keys()].sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
const CODES = new Uint32Array(CODE_LENGTHS.length);
const FIRST_CODE = new Uint32Array(MAX_LENGTH + 1);
const COUNT = new Uint32Array(MAX_LENGTH + 1);
const OFFSET = new Uint32Array(MAX_LENGTH + 1);
{
  let code = 0;
  let length = CODE_LENGTHS[ORDER[0]!]!;
  ORDER.forEach((symbol, i) => {
    const bits = CODE_LENGTHS[symbol]!;
    code <<= bits - length;
    length = bits;
    if (COUNT[bits] === 0) {
      FIRST_CODE[bits] = code;
      OFFSET[bits] = i;
    }
    COUNT[bits]! += 1;
    CODES[symbol] = code;
    code += 1;
  });
}

/** The code of `symbol` (0..256) and its length in bits, as Appendix B lists them. */
export function huffmanCode(symbol: number): { code: number; bits: number } {
  const bits = CODE_LENGTHS[symbol];
  if (bits === undefined) throw new RangeError(`no Huffman code for symbol ${symbol}`);
  return { code: CODES[symbol]!, bits };
}

/** A Huffman-coded string that RFC 7541 §5.2 does not allow (EOS inside, bad padding). */
export class HuffmanError extends Error {
  override name = 'HuffmanError';
}

/** Decode a Huffman-coded string literal. Throws {@link HuffmanError} on input §5.2 calls an error. */
export function huffmanDecode(input: Uint8Array): Buffer {
  const out: number[] = [];
  let code = 0;
  let length = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      length += 1;
      const index = code - FIRST_CODE[length]!;
      if (COUNT[length]! > 0 && index >= 0 && index < COUNT[length]!) {
        const symbol = ORDER[OFFSET[length]! + index]!;
        if (symbol === EOS) throw new HuffmanError('Huffman-coded string contains EOS');
        out.push(symbol);
        code = 0;
        length = 0;
      } else if (length >= MAX_LENGTH) {
        throw new HuffmanError('invalid Huffman code');
      }
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (the most significant bits of EOS).
  if (length > 7) throw new HuffmanError('Huffman padding longer than 7 bits');
  if (code !== (1 << length) - 1) throw new HuffmanError('Huffman padding is not a prefix of EOS');
  return Buffer.from(out);
}

/** Bytes `input` takes Huffman-coded. */
export function huffmanEncodedLength(input: Uint8Array): number {
  let bits = 0;
  for (const byte of input) bits += CODE_LENGTHS[byte]!;
  return Math.ceil(bits / 8);
}

/** Huffman-code `input`, padded with the most significant bits of EOS. */
export function huffmanEncode(input: Uint8Array): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(input), 0xff);
  let bitPosition = 0;
  for (const byte of input) {
    const code = CODES[byte]!;
    for (let bit = CODE_LENGTHS[byte]! - 1; bit >= 0; bit--) {
      if (((code >>> bit) & 1) === 0) out[bitPosition >> 3]! &= ~(0x80 >> (bitPosition & 7));
      bitPosition += 1;
    }
  }
  return out;
}
