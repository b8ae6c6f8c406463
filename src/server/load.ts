/**
 * Starting a server from a file: a snapshot (the simulator's own format, as `store.snapshot()` or
 * `etcdctl snapshot save` against the simulator wrote it, with or without the SHA-256 trailer) or a
 * fixture (`{ "config/a": "1" }`). The whole file is checked before anything is served.
 */

import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../interface/errors.js';
import { checkFixture } from '../memory-backend/maintenance/fixture.js';
import { isSnapshotDocument, stripHashTrailer } from '../memory-backend/maintenance/snapshot.js';
import type { MemoryStoreOptions } from '../memory-backend/options.js';
import { MemoryStore } from '../memory-backend/store.js';

/** A file the server was asked to start from could not be used; the message names it and the problem. */
export class StoreFileError extends InvalidArgumentError {
  /** The file's path, as given. */
  readonly path: string;
  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(`cannot load ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** A new store holding `path`'s snapshot or fixture, with `options`. */
export function loadStoreFile(path: string, options: MemoryStoreOptions = {}): MemoryStore {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new StoreFileError(path, e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message), {
      cause: error,
    });
  }
  const data = stripHashTrailer(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    const what = error instanceof SyntaxError ? `not JSON (${error.message})` : 'not UTF-8 text';
    throw new StoreFileError(
      path,
      `${what}; expected a snapshot written by etcd-kv-kit or a fixture like {"config/a": "1"} (a snapshot of a real etcd, a bolt file, cannot be loaded)`,
      { cause: error },
    );
  }
  try {
    return isSnapshotDocument(doc)
      ? MemoryStore.restore(data, options)
      : MemoryStore.fromFixture(checkFixture(doc), options);
  } catch (error) {
    throw new StoreFileError(path, (error as Error).message, { cause: error });
  }
}
