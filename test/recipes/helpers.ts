import type { Session } from '../../src/recipes/index.js';
import type { Faults } from './faults.js';

/** Settles? Lets the backend work for `ms` (clock time), then tells whether `p` has settled. */
export async function settledAfter(
  env: { advance(ms: number): Promise<void> },
  p: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await env.advance(ms);
  return settled;
}

/**
 * Crash the process that owns `session`, whose calls go through `faults`: its keepalives stop (the lease
 * expires one TTL later) and from now on none of its requests gets an answer, so no cleanup it attempts
 * can reach the store, as after a kill -9.
 */
export function crash(session: Session, faults: Faults): void {
  for (const method of ['txn', 'range', 'put', 'deleteRange', 'leaseRevoke'] as const)
    faults.hanging.add(method);
  session.orphan();
}
