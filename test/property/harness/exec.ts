/** Run one (already translated) model request on a backend, capturing the response or the error. */

import type { KvBackend } from '../../../src/interface/backend.js';
import { EtcdError } from '../../../src/interface/errors.js';
import type { ModelRequest, ModelResponse } from '../../../src/testing/model/index.js';

/** The call for each request type. */
export async function call(backend: KvBackend, request: ModelRequest): Promise<unknown> {
  switch (request.type) {
    case 'range':
      return backend.range(request.request);
    case 'put':
      return backend.put(request.request);
    case 'deleteRange':
      return backend.deleteRange(request.request);
    case 'txn':
      return backend.txn(request.request);
    case 'compact':
      return backend.compact(request.request);
    case 'leaseGrant':
      return backend.leaseGrant(request.request);
    case 'leaseRevoke':
      return backend.leaseRevoke(request.request);
    case 'leaseKeepAlive':
      return backend.leaseKeepAlive(request.request);
    case 'leaseTimeToLive':
      return backend.leaseTimeToLive(request.request);
    case 'leaseLeases':
      return backend.leaseLeases();
    case 'advance':
      throw new Error('advance is not a backend call');
  }
}

/** A non-EtcdError thrown by a backend: always a bug (the contract says typed errors only). */
export class UntypedError extends Error {}

/** Run `request`; an EtcdError becomes `{ok: false}`, anything else is rethrown as UntypedError. */
export async function exec(backend: KvBackend, request: ModelRequest): Promise<ModelResponse> {
  try {
    return { ok: true, value: (await call(backend, request)) as never };
  } catch (error) {
    if (error instanceof EtcdError) return { ok: false, error };
    throw new UntypedError(`backend threw a non-EtcdError for ${request.type}: ${String(error)}`, {
      cause: error,
    });
  }
}
