/**
 * Key prefixing for the `namespace` option, like etcd's Go `namespace` package: every key, range end,
 * compare and watch gets the prefix; responses have it stripped.
 */

import { bytesEqual, prefixEnd } from '../common/bytes.js';
import { EmptyKeyError } from '../interface/errors.js';

/** A namespace (possibly empty: then every method is the identity). */
export class Namespace {
  readonly prefix: Buffer;

  constructor(prefix: Uint8Array) {
    this.prefix = Buffer.from(prefix);
  }

  /** True when a prefix is applied. */
  get active(): boolean {
    return this.prefix.length > 0;
  }

  /**
   * A request key. Without a namespace an empty key goes to etcd as is (so etcd's own error and its
   * order of checks apply); with one it is refused here, since prefix + "" would be a valid key.
   */
  key(key: Uint8Array): Buffer {
    if (!this.active) return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
    if (key.length === 0) throw new EmptyKeyError();
    return Buffer.concat([this.prefix, key]);
  }

  /** A watch key: empty means "\0" (etcd's rule), then prefixed. */
  watchKey(key: Uint8Array): Buffer {
    return this.key(key.length === 0 ? Uint8Array.of(0) : key);
  }

  /**
   * A range end: absent or empty → undefined (never sent empty: etcd reads an empty-but-present
   * range_end as an open range on read paths); "\0" (from key) → the end of the namespace.
   */
  rangeEnd(end: Uint8Array | undefined): Buffer | undefined {
    if (end === undefined || end.length === 0) return undefined;
    if (!this.active) return Buffer.from(end.buffer, end.byteOffset, end.byteLength);
    if (end.length === 1 && end[0] === 0) return Buffer.from(prefixEnd(this.prefix));
    return Buffer.concat([this.prefix, end]);
  }

  /** A key from a response, without the prefix. */
  strip(key: Uint8Array): Uint8Array {
    if (!this.active) return key;
    return key.subarray(this.prefix.length);
  }

  /** True when a key from the server lies in the namespace. */
  owns(key: Uint8Array): boolean {
    return (
      !this.active ||
      (key.length >= this.prefix.length && bytesEqual(key.subarray(0, this.prefix.length), this.prefix))
    );
  }
}
