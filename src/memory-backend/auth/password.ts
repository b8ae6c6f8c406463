/**
 * Password hashing for the memory store's users: salted scrypt (node:crypto) in place of etcd's bcrypt.
 * Only the salt and hash are kept; a password is compared in constant time and is never logged or
 * returned. The work factor follows etcd's --bcrypt-cost (default 10): scrypt's N is 2^(cost + 4), so
 * cost 10 takes tens of milliseconds, and tests can choose 4 to make hashing nearly free.
 */

import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '../../interface/errors.js';

/** etcd's default --bcrypt-cost. */
export const DEFAULT_HASH_COST = 10;
/** The lowest cost (bcrypt's MinCost). */
export const MIN_HASH_COST = 4;
/** The highest cost accepted here: N = 2^18 already needs 256 MiB of memory. */
export const MAX_HASH_COST = 14;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const BLOCK_SIZE = 8;

/** A salted hash: what the store keeps instead of a password. */
export interface PasswordHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
  readonly cost: number;
}

/** The cost option, checked. */
export function hashCost(value: unknown): number {
  if (value === undefined) return DEFAULT_HASH_COST;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_HASH_COST ||
    value > MAX_HASH_COST
  ) {
    throw new InvalidArgumentError(
      `bcryptCost must be an integer from ${MIN_HASH_COST} to ${MAX_HASH_COST}, received ${String(value)}`,
    );
  }
  return value;
}

function params(cost: number) {
  const N = 2 ** (cost + 4);
  return { N, r: BLOCK_SIZE, p: 1, maxmem: 256 * N * BLOCK_SIZE };
}

/** Hash `password` (UTF-8) with a fresh random salt. */
export function hashPassword(password: string, cost: number): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, params(cost), (error, hash) => {
      if (error) reject(error);
      else resolve({ salt, hash, cost });
    });
  });
}

/** True when `password` matches `stored`, compared in constant time. */
export function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  return new Promise((resolve, reject) => {
    scrypt(password, stored.salt, KEY_BYTES, params(stored.cost), (error, hash) => {
      if (error) reject(error);
      else resolve(timingSafeEqual(hash, stored.hash));
    });
  });
}

/** {@link verifyPassword}, blocking: only for a client renewing its token inside a synchronous call. */
export function verifyPasswordSync(password: string, stored: PasswordHash): boolean {
  const hash = scryptSync(password, stored.salt, KEY_BYTES, params(stored.cost));
  return timingSafeEqual(hash, stored.hash);
}

/** A hash no password matches, verified against for unknown users so that timing does not tell. */
export function decoyHash(cost: number): PasswordHash {
  return { salt: randomBytes(SALT_BYTES), hash: randomBytes(KEY_BYTES), cost };
}
