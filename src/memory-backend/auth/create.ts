/** The memory store's auth service from the store's options. */

import type { Clock } from '../../interface/clock.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import type { ResponseHeader } from '../../interface/kv.js';
import type { EtcdBehaviour } from '../etcd-version.js';
import type { MemoryStoreOptions } from '../options.js';
import { JwtTokens } from './jwt-tokens.js';
import { MemoryAuth } from './memory-auth.js';
import { hashCost } from './password.js';

/** etcd's default --auth-token-ttl, in seconds. */
export const DEFAULT_TOKEN_TTL = 300;

/** The token TTL option, checked. */
function tokenTtl(value: unknown): number {
  if (value === undefined) return DEFAULT_TOKEN_TTL;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `authTokenTtl must be a whole number of seconds ≥ 1, received ${String(value)}`,
    );
  }
  return value;
}

/** The auth service of a store with these options. */
export function createMemoryAuth(
  options: MemoryStoreOptions,
  behaviour: EtcdBehaviour,
  clock: Clock,
  maxRequestBytes: number,
  header: () => ResponseHeader,
): MemoryAuth {
  const token = options.authToken ?? 'simple';
  if (token !== 'simple' && (typeof token !== 'object' || token === null || typeof token.jwt !== 'object')) {
    throw new InvalidArgumentError(`authToken must be 'simple' or { jwt: { … } }, received ${String(token)}`);
  }
  return new MemoryAuth({
    clock,
    ...(token === 'simple' ? {} : { tokens: new JwtTokens(clock, token.jwt) }),
    behaviour: behaviour.auth,
    hashCost: hashCost(options.bcryptCost),
    tokenTtl: tokenTtl(options.authTokenTtl),
    maxRequestBytes,
    header,
  });
}
