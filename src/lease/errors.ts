/** The error a kept-alive lease ends with. */

import { EtcdError, GrpcStatus, type GrpcStatusCode } from '../interface/errors.js';

/** Why a lease stopped being alive, as seen by the keepalive loop. */
export type LeaseLossReason = 'expired' | 'revoked' | 'unreachable';

/**
 * A lease kept alive by `keepAlive` (and so a Session, and the locks and registrations on it) was lost:
 * - `expired`: a keepalive was answered with TTL 0 (the lease expired, or another client revoked it);
 * - `revoked`: revoked through this keepalive handle (Session.close);
 * - `unreachable`: no keepalive succeeded within the TTL, so the lease must be presumed expired.
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
