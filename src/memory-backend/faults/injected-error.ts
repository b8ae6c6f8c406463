/**
 * Errors a fault can make etcd answer, as etcd sends them (gRPC status and message), classified by the
 * etcd backend's own mapping (mapGrpcError) so both backends throw the same class for the same answer:
 * a write that "timed out" or saw its "leader changed" is UnknownOutcomeError, a read with any
 * UNAVAILABLE answer is retried until its deadline, "too many requests" is TooManyRequestsError.
 */

import { describe } from '../../common/validate.js';
import { mapGrpcError, type RawGrpcError } from '../../etcd-backend/errors.js';
import { type EtcdError, GrpcStatus, InvalidArgumentError } from '../../interface/errors.js';

/** The short name of an injectable etcd error. */
export type InjectableError = 'leader changed' | 'request timed out' | 'no leader' | 'too many requests';

/** The etcd answers a fault can inject, by their short names. */
export const INJECTABLE_ERRORS: Readonly<
  Record<InjectableError, RawGrpcError & { code: number; details: string }>
> = {
  'leader changed': { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: leader changed' },
  'request timed out': { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: request timed out' },
  'no leader': { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: no leader' },
  'too many requests': { code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'etcdserver: too many requests' },
};

/** The raw answer for `name`: its short name or etcd's full message ("etcdserver: leader changed"). */
export function injectableErrorArg(name: unknown): RawGrpcError & { code: number; details: string } {
  for (const [short, raw] of Object.entries(INJECTABLE_ERRORS)) {
    if (name === short || name === raw.details) return raw;
  }
  throw new InvalidArgumentError(
    `error must be one of ${Object.keys(INJECTABLE_ERRORS)
      .map((n) => JSON.stringify(n))
      .join(', ')}; received ${describe(name)}`,
  );
}

/** True when the etcd backend resends a read that got this answer (any UNAVAILABLE status). */
export function isRetriedRead(raw: RawGrpcError): boolean {
  return raw.code === GrpcStatus.UNAVAILABLE;
}

/** The error the caller sees for this answer, exactly as the etcd backend maps it. */
export function injectedError(raw: RawGrpcError, write: boolean): EtcdError {
  return mapGrpcError(raw, { write });
}
