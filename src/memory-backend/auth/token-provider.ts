/** What the auth store needs from a kind of token (etcd's TokenProvider): simple tokens, or JWT. */

/** Who a valid token speaks for, and the auth revision its permissions are checked at. */
export interface TokenInfo {
  readonly username: string;
  /** Simple tokens: the current auth revision. JWT: the revision when the token was issued. */
  readonly revision: number;
}

/** One kind of auth token. */
export interface TokenProvider {
  /** "simple" or "jwt". */
  readonly kind: string;
  /** Auth was enabled: start honouring tokens. */
  enable(): void;
  /** Auth was disabled: forget every token. */
  disable(): void;
  /** A new token for `username` at auth revision `authRevision`. */
  assign(username: string, authRevision: number): string;
  /** The token's user, or undefined when it is expired, unknown or malformed. */
  info(token: string, authRevision: number): TokenInfo | undefined;
  /** The user was deleted or changed password: its tokens die (JWTs cannot, as in etcd). */
  invalidateUser(username: string): void;
}
