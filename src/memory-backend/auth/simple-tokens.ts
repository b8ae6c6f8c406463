/**
 * etcd's simple tokens (--auth-token simple, the default): `<16 random letters>.<index>`, kept in memory
 * only, with a sliding TTL (--auth-token-ttl, default 300 s): each request that presents a token restarts
 * its TTL, and a sweep every second drops the ones idle past it. The sweep runs on the store's clock, so
 * a token idle for `ttl` survives until the next whole second of the sweep, as in etcd (measured: with
 * ttl 3 s, idle 3.5 s is still valid and idle 4 s is not).
 *
 * Tokens are drawn from node:crypto (etcd uses math/rand), so they cannot be guessed.
 */

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../interface/clock.js';
import type { TokenInfo, TokenProvider } from './token-provider.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const TOKEN_LETTERS = 16;
/** The sweep period (etcd's simpleTokenTTLResolution). */
const SWEEP_MS = 1_000;

/** `n` letters, uniformly from node:crypto (bytes above the last multiple of 52 are redrawn). */
function randomLetters(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b >= 208) continue; // 208 = 4 × 52
      out += LETTERS[b % 52];
      if (out.length === n) break;
    }
  }
  return out;
}

interface Entry {
  readonly username: string;
  /** Clock time after which the token is idle past its TTL. */
  deadline: number;
}

/** The simple-token provider. */
export class SimpleTokens implements TokenProvider {
  readonly kind = 'simple';
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #tokens = new Map<string, Entry>();
  /** When the sweep started (auth enabled); it ticks every second from there. */
  #origin = 0;
  /** Stands in for the raft index etcd puts after the dot. */
  #index = 0;

  constructor(clock: Clock, ttlSeconds: number) {
    this.#clock = clock;
    this.#ttlMs = ttlSeconds * 1000;
  }

  /** Live tokens (for leak checks). */
  get size(): number {
    return this.#tokens.size;
  }

  enable(): void {
    this.#origin = this.#clock.now();
  }

  disable(): void {
    this.#tokens.clear();
  }

  assign(username: string): string {
    this.#sweep();
    let token: string;
    do token = `${randomLetters(TOKEN_LETTERS)}.${++this.#index}`;
    while (this.#tokens.has(token));
    this.#tokens.set(token, { username, deadline: this.#clock.now() + this.#ttlMs });
    return token;
  }

  info(token: string, authRevision: number): TokenInfo | undefined {
    const entry = this.#tokens.get(token);
    if (entry === undefined) return undefined;
    const now = this.#clock.now();
    if (now >= this.#sweptAt(entry.deadline)) {
      this.#tokens.delete(token);
      return undefined;
    }
    entry.deadline = now + this.#ttlMs;
    return { username: entry.username, revision: authRevision };
  }

  invalidateUser(username: string): void {
    for (const [token, entry] of this.#tokens) if (entry.username === username) this.#tokens.delete(token);
  }

  /** Drop the tokens a sweep has passed (etcd's ticker), so unused tokens do not pile up. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [token, entry] of this.#tokens)
      if (now >= this.#sweptAt(entry.deadline)) this.#tokens.delete(token);
  }

  /** The first sweep strictly after `deadline`. */
  #sweptAt(deadline: number): number {
    const ticks = Math.floor((deadline - this.#origin) / SWEEP_MS) + 1;
    return this.#origin + ticks * SWEEP_MS;
  }
}
