/** The error a kept-alive lease ends with. */

import { EtcdError, GrpcStatus, type GrpcStatusCode } from '../interface/errors.js';

/** Why a lease stopped being alive, as seen by the keepalive loop. */
export type LeaseLossReason = 'expired' | 'revoked' | 'unreachable';

/**
 * A lease kept alive by `keepAlive` (and so a Session, and the locks and registrations on it) was lost:
 * - `expired`: a keepalive was answered with TTL 0 (the lease expired, or another client revoked it). The
 *   server says so: the lease and its keys are gone.
 * - `revoked`: revoked through this keepalive handle (Session.close). Gone once that revoke succeeded.
 * - `unreachable`: no keepalive succeeded within the TTL, so the lease must be presumed lost. The server
 *   may still have it, with its keys, until it expires there (up to one TTL after the last renewal it got,
 *   or after an etcd restart or leader change, which give every lease a fresh TTL): stop acting on it, and
 *   rely on guarded writes, which fail once it is really gone.
 */
export class LeaseLostError extends EtcdError {
  override readonly code = 'ErrLeaseLost';
  override readonly grpcCode: GrpcStatusCode = GrpcStatus.NOT_FOUND;
  /** What ended the lease. */
  readonly reason: LeaseLossReason;
  /** The lease that was lost. */
  readonly leaseId: bigint;
  constructor(leaseId: bigint, reason: LeaseLossReason, options?: ErrorOptions) {
    super(`lease ${BigInt.asUintN(64, leaseId).toString(16)} lost: ${reason}`, options);
    this.leaseId = leaseId;
    this.reason = reason;
  }
}
