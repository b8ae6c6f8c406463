/** A small seedable PRNG (SplitMix64) for lease IDs, so tests can make them deterministic. */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 over BigInt: 64-bit outputs from a 64-bit seed. */
export class SplitMix64 {
  #state: bigint;

  constructor(seed: bigint) {
    this.#state = BigInt.asUintN(64, seed);
  }

  /** The next 64-bit value, as an unsigned bigint. */
  next(): bigint {
    this.#state = (this.#state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.#state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }
}

/** A random 64-bit seed from the platform's CSPRNG. */
export function randomSeed(): bigint {
  const words = crypto.getRandomValues(new Uint32Array(2));
  return (BigInt(words[0]!) << 32n) | BigInt(words[1]!);
}
