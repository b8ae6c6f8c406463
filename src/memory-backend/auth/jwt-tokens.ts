/**
 * etcd's JWT tokens (--auth-token jwt,pub-key=…,priv-key=…,sign-method=…,ttl=…): signed with node:crypto,
 * claims `{"exp":…,"revision":…,"username":…}` as etcd writes them. A JWT carries the auth revision it was
 * issued at, so after any change to users or roles every older JWT fails key checks with "revision of
 * auth store is old" (clients then authenticate again); it cannot be revoked, only expire. Expiry runs on
 * the store's clock (as wall time from when the store started), so a manual clock can pass it.
 */

import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import type { Clock } from '../../interface/clock.js';
import { InvalidArgumentError, UnknownServerError } from '../../interface/errors.js';
import type { TokenInfo, TokenProvider } from './token-provider.js';

/** The JWT token options (etcd's `--auth-token jwt,…` settings). */
export interface JwtTokenOptions {
  /** etcd's sign-method: RS256/384/512, PS256/384/512, ES256/384/512 or HS256/384/512. */
  signMethod: string;
  /** PEM private key (RS, PS, ES), or the HMAC secret (HS). Without it tokens can only be verified. */
  privateKey?: string | Buffer;
  /** PEM public key (RS, PS, ES); taken from the private key when absent. */
  publicKey?: string | Buffer;
  /** Seconds a token is valid (etcd's ttl, default 5 minutes). */
  ttl?: number;
}

const METHODS = /^(RS|PS|ES|HS)(256|384|512)$/;

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The JWT provider. */
export class JwtTokens implements TokenProvider {
  readonly kind = 'jwt';
  readonly #clock: Clock;
  /** Wall time (ms) at clock time 0, so `exp` values look like etcd's. */
  readonly #wallBase: number;
  readonly #alg: string;
  readonly #family: string;
  readonly #hash: string;
  readonly #ttlMs: number;
  readonly #private: KeyObject | Buffer | undefined;
  readonly #public: KeyObject | Buffer;

  constructor(clock: Clock, options: JwtTokenOptions) {
    const m = METHODS.exec(options.signMethod);
    if (m === null) {
      throw new InvalidArgumentError(
        `JWT sign-method must be RS, PS, ES or HS with 256, 384 or 512, received ${JSON.stringify(options.signMethod)}`,
      );
    }
    this.#clock = clock;
    this.#wallBase = Date.now() - clock.now();
    this.#alg = options.signMethod;
    this.#family = m[1]!;
    this.#hash = `sha${m[2]}`;
    const ttl = options.ttl ?? 300;
    if (!Number.isFinite(ttl) || ttl <= 0)
      throw new InvalidArgumentError(`JWT ttl must be above 0 s, received ${ttl}`);
    this.#ttlMs = ttl * 1000;
    if (this.#family === 'HS') {
      const secret = options.privateKey ?? options.publicKey;
      if (secret === undefined)
        throw new InvalidArgumentError('a JWT with HS signing needs a key (the secret)');
      this.#private = Buffer.from(secret);
      this.#public = this.#private;
    } else {
      if (options.privateKey === undefined && options.publicKey === undefined) {
        throw new InvalidArgumentError('a JWT needs a private key, a public key, or both');
      }
      this.#private = options.privateKey === undefined ? undefined : createPrivateKey(options.privateKey);
      this.#public =
        options.publicKey === undefined
          ? createPublicKey(this.#private as KeyObject)
          : createPublicKey(options.publicKey);
    }
  }

  enable(): void {}

  disable(): void {}

  invalidateUser(): void {}

  assign(username: string, authRevision: number): string {
    if (this.#private === undefined) {
      throw new UnknownServerError(2, 'auth: token signing attempted with verify-only key');
    }
    const exp = Math.floor((this.#wallBase + this.#clock.now() + this.#ttlMs) / 1000);
    const head = `${base64url(JSON.stringify({ alg: this.#alg, typ: 'JWT' }))}.${base64url(
      JSON.stringify({ exp, revision: authRevision, username }),
    )}`;
    return `${head}.${base64url(this.#sign(head))}`;
  }

  info(token: string): TokenInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, signature] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: unknown };
      if (header.alg !== this.#alg) return undefined;
      if (!this.#verify(`${head}.${body}`, Buffer.from(signature, 'base64url'))) return undefined;
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
      const { exp, revision, username } = claims;
      const now = (this.#wallBase + this.#clock.now()) / 1000;
      if (typeof exp === 'number' && now >= exp) return undefined;
      if (typeof username !== 'string' || typeof revision !== 'number') return undefined;
      return { username, revision };
    } catch {
      return undefined;
    }
  }

  #sign(data: string): Buffer {
    const key = this.#private!;
    switch (this.#family) {
      case 'HS':
        return createHmac(this.#hash, key as Buffer)
          .update(data)
          .digest();
      case 'PS':
        return sign(this.#hash, Buffer.from(data), {
          key: key as KeyObject,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        });
      case 'ES':
        return sign(this.#hash, Buffer.from(data), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
      default:
        return sign(this.#hash, Buffer.from(data), key as KeyObject);
    }
  }

  #verify(data: string, signature: Buffer): boolean {
    const key = this.#public;
    switch (this.#family) {
      case 'HS': {
        const expected = createHmac(this.#hash, key as Buffer)
          .update(data)
          .digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'PS':
        return verify(
          this.#hash,
          Buffer.from(data),
          {
            key: key as KeyObject,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          },
          signature,
        );
      case 'ES':
        return verify(
          this.#hash,
          Buffer.from(data),
          { key: key as KeyObject, dsaEncoding: 'ieee-p1363' },
          signature,
        );
      default:
        return verify(this.#hash, Buffer.from(data), key as KeyObject, signature);
    }
  }
}
