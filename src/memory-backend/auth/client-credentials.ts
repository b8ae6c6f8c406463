/**
 * Who a memory client is (its `auth` option), kept the way etcd's Go client and the etcd backend keep
 * it: with a user name and password, a token is fetched with Authenticate on first use and fetched again
 * when the store refuses it (expired, invalid, or no user), and the refused request is sent once more;
 * while auth is off the client sends no token. A token given as is is never renewed.
 */

import { credentialsArg } from '../../common/auth-args.js';
import type { AuthCredentials } from '../../interface/auth.js';
import {
  AuthNotEnabledError,
  AuthOldRevisionError,
  InvalidAuthTokenError,
  UserEmptyError,
} from '../../interface/auth-errors.js';
import type { RequestCredentials } from './caller.js';
import type { MemoryAuth } from './memory-auth.js';

/** Errors after which a client with a password fetches a new token and resends (as etcd's Go client does). */
function needsNewToken(error: unknown): boolean {
  return (
    error instanceof InvalidAuthTokenError ||
    error instanceof UserEmptyError ||
    error instanceof AuthOldRevisionError
  );
}

/** A client's credentials and its current token. */
export class ClientCredentials {
  readonly #auth: MemoryAuth;
  readonly #given: AuthCredentials | undefined;
  /** The current token; null while auth was off at the last Authenticate; undefined before the first. */
  #token: string | null | undefined;
  /** An Authenticate in flight, shared by concurrent calls. */
  #login: Promise<string | null> | undefined;

  constructor(auth: MemoryAuth, given: unknown) {
    this.#auth = auth;
    this.#given = credentialsArg(given);
  }

  /** True when this client has a password, and so a token it fetches and renews ({@link run}). */
  get renewing(): boolean {
    return this.#given !== undefined && 'password' in this.#given;
  }

  /** The credentials of a client without a password: none, or its fixed token. */
  get fixed(): RequestCredentials | undefined {
    return this.#given !== undefined && 'token' in this.#given ? this.#given : undefined;
  }

  /**
   * Run `fn` as this client, or as `override` (a server passing its caller's credentials). With a
   * password, a refused token is replaced and `fn` runs once more.
   */
  async run<T>(
    fn: (caller: RequestCredentials | undefined) => T | Promise<T>,
    override?: RequestCredentials,
  ): Promise<T> {
    if (override !== undefined) return fn(override);
    const given = this.#given;
    if (given === undefined) return fn(undefined);
    if ('token' in given) return fn(given);
    let fresh = false;
    if (this.#token === undefined) {
      this.#token = await this.#authenticate();
      fresh = true;
    }
    try {
      return await fn(callerOf(this.#token));
    } catch (error) {
      if (fresh || !needsNewToken(error)) throw error;
      this.#token = await this.#authenticate();
      return fn(callerOf(this.#token));
    }
  }

  /**
   * The auth check of a watch create, as this client or `override`. A watch create is synchronous, so a
   * token renewed here is fetched with the blocking Authenticate.
   */
  watchRefusal(override?: RequestCredentials): (key: string, rangeEnd: string) => string | undefined {
    return (key, rangeEnd) => {
      const given = this.#given;
      if (override !== undefined || given === undefined || 'token' in given) {
        return this.#auth.watchRefusal(override ?? (given as RequestCredentials | undefined), key, rangeEnd);
      }
      if (this.#token !== undefined) {
        const reason = this.#auth.watchRefusal(callerOf(this.#token), key, rangeEnd);
        if (
          reason === undefined ||
          !/invalid auth token|user name is empty|revision of auth store/.test(reason)
        ) {
          return reason;
        }
      }
      try {
        this.#token = this.#authenticateSync(given);
      } catch {
        // Authentication itself failed: the create runs with no token and is refused as such.
        this.#token = null;
      }
      return this.#auth.watchRefusal(callerOf(this.#token), key, rangeEnd);
    };
  }

  #authenticate(): Promise<string | null> {
    const given = this.#given as { username: string; password: string };
    this.#login ??= this.#auth
      .authenticate({ name: given.username, password: given.password })
      .then(
        (r) => r.token,
        (error: unknown) => {
          if (error instanceof AuthNotEnabledError) return null;
          throw error;
        },
      )
      .finally(() => {
        this.#login = undefined;
      });
    return this.#login;
  }

  #authenticateSync(given: { username: string; password: string }): string | null {
    try {
      return this.#auth.authenticateSync({ name: given.username, password: given.password }).token;
    } catch (error) {
      if (error instanceof AuthNotEnabledError) return null;
      throw error;
    }
  }
}

function callerOf(token: string | null | undefined): RequestCredentials | undefined {
  return typeof token === 'string' ? { token } : undefined;
}
