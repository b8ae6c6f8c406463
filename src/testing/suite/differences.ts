/**
 * The one list of known behaviour differences between targets. A case that meets one branches on
 * {@link differs} and asserts each side's behaviour; nothing is skipped. Each entry says which servers
 * differ, why, and how the memory backend handles it: either its `etcdVersion` option selects the
 * behaviour (see src/memory-backend/etcd-version.ts, where users read it), so a memory store set to a
 * release behaves as that release and the entry applies to it as to a real server of that version; or it
 * cannot be selected, and the entry says why.
 */

import { type EtcdBehaviour, etcdBehaviour } from '../../memory-backend/etcd-version.js';
import type { CaseContext } from '../../testing/conformance.js';

/** What a difference is decided on: the target's name and the server version it reports. */
export type Ctx = Pick<CaseContext, 'target' | 'serverVersion'>;

/** One known difference. */
export interface KnownDifference {
  /** Which targets or server versions behave differently. */
  readonly where: string;
  /** What differs. */
  readonly what: string;
  /** Why we accept it. */
  readonly why: string;
  /**
   * The memory backend: `selectedBy` names the {@link EtcdBehaviour} field its `etcdVersion` option sets
   * for this; `notSelectable` says why no option imitates it.
   */
  readonly memory: { readonly selectedBy: keyof EtcdBehaviour } | { readonly notSelectable: string };
  /** True when the case context is on the differing side. */
  applies(ctx: Ctx): boolean;
}

/** The behaviours of the target's etcd release (memory and server targets report the one they mirror). */
export function behaviourOf(ctx: Ctx): EtcdBehaviour {
  return etcdBehaviour(ctx.serverVersion);
}

/** A real etcd server older than the first patch, per branch, in `fixedIn` (branches not listed: fixed). */
function realServerBefore(ctx: Ctx, fixedIn: Record<string, number>): boolean {
  if (ctx.target !== 'etcd') return false;
  const [major, minor, patch] = ctx.serverVersion.split('.').map(Number);
  const first = fixedIn[`${major}.${minor}`];
  return first !== undefined && (patch ?? 0) < first;
}

export const knownDifferences = {
  invalidSortOption: {
    where: 'etcd < 3.5 (3.4.23 measured)',
    what: 'No "invalid sort option" error: an unknown sort order is ignored and an unknown sort target crashes the server.',
    why: 'Every backend validates sort options before sending, so callers see InvalidSortOptionError everywhere; the raw 3.4 server is never sent an invalid target.',
    memory: {
      notSelectable:
        'Only the raw server differs, and no client of either backend can see it (sort options are checked before sending); a memory store never imitates a crash.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY }),
  },
  progressWhileCatchingUp: {
    where: 'etcd ≤ 3.4.24, 3.5.0–3.5.7 (3.4.23 measured); memory with such an etcdVersion',
    what: 'A progress request is answered at once even while a watcher is catching up, starts in the future or was canceled for compaction, so the answer can precede catch-up events.',
    why: 'Server behaviour; on those releases only the shape of the answer is asserted. Changed by etcd #15237 (3.4.25, 3.5.8).',
    memory: { selectedBy: 'progressRequest' },
    applies: (ctx) => behaviourOf(ctx).progressRequest === 'at-once',
  },
  progressOvertakesEvents: {
    where: 'etcd ≤ 3.4.24, 3.5.0–3.5.7 (3.4.23 installed); memory with such an etcdVersion',
    what: 'A progress answer goes out on the control channel and can overtake events still queued for a live watcher (#15220), so "no event at or below a progress notice after it" (Bookmarkable) can fail.',
    why: 'Fixed by etcd #15237 (3.4.25, 3.5.8); the watch-history case checks Bookmarkable only where the answer is ordered, and every other guarantee everywhere. A memory store answering at once puts the answer ahead of the replay it has not produced yet.',
    memory: { selectedBy: 'progressRequest' },
    applies: (ctx) => behaviourOf(ctx).progressRequest === 'at-once',
  },
  progressRequestDeferred: {
    where: 'etcd 3.4.25–3.4.30, 3.5.8–3.5.12; memory with such an etcdVersion',
    what: 'A progress request made while a watcher is not synced is held, and answered once every watcher is synced (checked after each watch response sent), where later releases drop it.',
    why: 'Added by etcd #15237 and removed by #17557 (3.4.31 #17567, 3.5.13 #17566): a watcher that became synced without sending an event left the request unanswered.',
    memory: { selectedBy: 'progressRequest' },
    applies: (ctx) => behaviourOf(ctx).progressRequest === 'deferred',
  },
  progressForFutureWatchers: {
    where: 'etcd < 3.4.38, 3.5.0–3.5.21, 3.6.0–3.6.1 (3.4.23 measured); memory with such an etcdVersion',
    what: 'A watcher whose start revision is above the current revision counts as synced: it gets periodic progress notifications (at the current revision, below its start) and does not hold back a progress request.',
    why: 'Changed upstream ("Skip sending progress notification for watch with starting revision in the future", etcd #20229, backported in #20250, #20245, #20241): a notice at a revision below the start claimed nothing useful. Each side is asserted.',
    memory: { selectedBy: 'progressForFutureWatchers' },
    applies: (ctx) => behaviourOf(ctx).progressForFutureWatchers,
  },
  deleteAtCompactRevision: {
    where: 'etcd < 3.4.36, 3.5.0–3.5.17 (3.4.23 installed)',
    what: 'A delete made exactly at the compaction revision is usually missing from a watch opened at that revision (#19179).',
    why: 'A race in the compaction job, fixed by etcd #19188 (3.6.0), #19249 (3.5.18), #19251 (3.4.36).',
    memory: {
      notSelectable:
        'A race, not a behaviour a release chooses: the memory store delivers the delete on every etcdVersion, and the case accepts either outcome only from an affected real server.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 36, '3.5': 18 }),
  },
  negativeWatchStart: {
    where: 'etcd < 3.4.38, 3.5.0–3.5.23, 3.6.0–3.6.5 (3.4.23 measured); memory with such an etcdVersion',
    what: 'A negative start revision gives created, then canceled with compact_revision C (−1 when nothing was compacted) and no cancel_reason; later releases refuse the create with a cancel_reason.',
    why: 'Undefined before etcd #20711 and its backports; each side is asserted as its server does it.',
    memory: { selectedBy: 'negativeWatchStart' },
    applies: (ctx) => behaviourOf(ctx).negativeWatchStart === 'compacted',
  },
  crashShapeGuard: {
    where: 'etcd backend (every server version; targets "etcd" and "server")',
    what: 'A txn with a put using ignore_value/ignore_lease after a from-key delete covering its key is refused with KeyNotFoundError even when that op sits in a branch that would not run; the memory backend (like etcd) refuses it only on the path taken.',
    why: 'etcd 3.4.23 panics and exits at apply time on that shape (semantics §12), and a client cannot know which branch the server will take, so the adapter refuses the shape wherever it appears.',
    memory: {
      notSelectable:
        'A guard in the etcd backend (the client), not server behaviour; a memory store is never at risk of that crash.',
    },
    applies: (ctx) => ctx.target === 'etcd' || ctx.target === 'server',
  },
} satisfies Record<string, KnownDifference>;

/** True when `id`'s difference applies to this case's target. */
export function differs(id: keyof typeof knownDifferences, ctx: Ctx): boolean {
  return knownDifferences[id].applies(ctx);
}
