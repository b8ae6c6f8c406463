/**
 * A memory client's timing under faults: the etcd backend's deadlines (same option names, same defaults)
 * on the client's clock. Without faults a memory request never waits, so these only matter once a fault
 * makes a request wait — for a link, a reply, or a server.
 */

import { intArg } from '../../common/validate.js';
import { DEFAULTS } from '../../etcd-backend/options.js';
import { InvalidArgumentError } from '../../interface/errors.js';

/** The etcd backend's timing options, which a memory client takes too. */
export interface LinkTimingOptions {
  /** Longest wait for the link to the store before failing with UnavailableError (default 3000 ms). */
  dialTimeoutMs?: number;
  /** Deadline of each request, waits and retries included (default 5000 ms). */
  requestTimeoutMs?: number;
}

/** Checked timing. */
export interface LinkTiming {
  readonly dialTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

function positive(name: string, value: unknown, fallback: number): number {
  const n = intArg(name, value, fallback);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1, received ${n}`);
  return n;
}

/** The timing of `options`, with the etcd backend's defaults. */
export function linkTiming(options: LinkTimingOptions): LinkTiming {
  return {
    dialTimeoutMs: positive('dialTimeoutMs', options.dialTimeoutMs, DEFAULTS.dialTimeoutMs),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, DEFAULTS.requestTimeoutMs),
  };
}
