/**
 * The shipped conformance suite as `etcd-kv-kit/testing` exports it. The cases and the one list of known
 * differences live in suite/; this file gives them their public names and documented types.
 */

import type { CaseGroup } from './conformance.js';
import { allCases as groups } from './suite/cases/index.js';
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
 * Every known behaviour difference between targets, by id: where it shows, what differs and why it is
 * accepted. A case that meets one branches on {@link differs} and asserts each side; nothing is skipped.
 */
export const knownDifferences: Readonly<Record<DifferenceId, KnownDifference>> = differences;

/** The id of a known difference, as {@link differs} takes it. */
export type DifferenceId = Parameters<typeof differs>[0];
