/**
 * The shipped conformance suite as `etcd-kv-kit/testing` exports it. The cases and the one list of known
 * differences live in suite/; this file gives them their public names and documented types.
 */

import type { MaintenanceBackend } from '../interface/maintenance.js';
import type { CaseGroup } from './conformance.js';
import { allCases as groups } from './suite/cases/index.js';
import maintenance from './suite/cases/maintenance.js';
import quota from './suite/cases/quota.js';
import { knownDifferences as differences, type differs, type KnownDifference } from './suite/differences.js';

export {
  type BehaviourField,
  behaviourOf,
  type Ctx as DifferenceContext,
  differs,
  type KnownDifference,
} from './suite/differences.js';

/** Every conformance case group, in the order they run: `runConformance(target, allCases, api)`. */
export const allCases: readonly CaseGroup[] = groups;

/**
 * The maintenance cases (Status, HashKV, alarms, defragment, MoveLeader, snapshot) for a backend that
 * implements {@link MaintenanceBackend}. They raise alarms and disarm them before they end.
 */
export const maintenanceCases: readonly CaseGroup[] = [maintenance];

/**
 * The space-quota cases, for a target of their own started with a {@link QUOTA_CASE_BYTES} quota (etcd:
 * `--quota-backend-bytes=1048576`; memory and server: `quotaBackendBytes`). They fill the store.
 */
export const quotaCases: readonly CaseGroup[] = [quota];

export { QUOTA_CASE_BYTES } from './suite/cases/quota.js';

/**
 * Every known behaviour difference between targets, by id: where it shows, what differs and why it is
 * accepted. A case that meets one branches on {@link differs} and asserts each side; nothing is skipped.
 */
export const knownDifferences: Readonly<Record<DifferenceId, KnownDifference>> = differences;

/** The id of a known difference, as {@link differs} takes it. */
export type DifferenceId = Parameters<typeof differs>[0];
