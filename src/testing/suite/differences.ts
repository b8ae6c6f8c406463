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
    what: 'No "invalid sort option" error: an unknown sort order is ignored and an unknown sort target crashes the server. The simulator server answers the 3.5 error on the wire too (test/server/wire).',
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
  lengthOverflowCrash: {
    where: 'etcd 3.4.23',
    what: 'A request whose length prefix, added to its offset, overflows int64 (e.g. a key of length 2^63 − 1) crashes the server: gogo\'s generated Unmarshal slices out of range and panics. The simulator answers as etcd 3.5\'s generated code does, INTERNAL "grpc: error unmarshalling request: proto: negative length found during unmarshaling", and keeps serving.',
    why: 'Measured (slice bounds out of range [:-9223372036854775799] at rpc.pb.go:10069, exit); a crash is no behaviour to copy, so the real server is never sent it (test/server/wire checks the simulator only).',
    memory: {
      notSelectable:
        'A memory store never imitates a crash, and the typed API cannot express a malformed length.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY }),
  },
  requestSizeBoundary: {
    where: 'etcd (3.4.23 measured) against the simulator',
    what: "etcd measures a write against --max-request-bytes with its raft request ID inside, a varint of 9 bytes when the member ID's low 16 bits are below 0x8000 and 10 bytes otherwise, so a write within one byte of the limit passes on some clusters and not on others. The simulator always counts 10 bytes.",
    why: 'No one boundary to copy; the simulator takes the stricter one, so what it accepts every etcd accepts (test/server/wire pins both sides).',
    memory: { notSelectable: "Not a release difference: it depends on a real cluster's member ID." },
    applies: (ctx) => ctx.target === 'etcd',
  },
  unknownMethodText: {
    where: 'simulator server (grpc-js) against etcd (grpc-go)',
    what: 'A call to a method or service that does not exist is UNIMPLEMENTED on both, with grpc-js\'s text "The server does not implement the method /etcdserverpb.KV/Nope" instead of grpc-go\'s "unknown method Nope for service etcdserverpb.KV" / "unknown service etcdserverpb.Nope".',
    why: "grpc-js answers paths it has no handler for itself, before any interceptor runs. Clients map UNIMPLEMENTED by its code. RPCs of the etcd3 proto that 3.4 lacks (AuthStatus, Downgrade) do answer grpc-go's text.",
    memory: {
      notSelectable:
        'Only the gRPC transport differs (grpc-js against grpc-go); the memory backend has no wire.',
    },
    applies: (ctx) => ctx.target === 'server',
  },
  unknownAlarmAction: {
    where: 'etcd 3.4.23 (the raw server; measured)',
    what: 'An Alarm request with an action outside GET/ACTIVATE/DEACTIVATE crashes the server (a nil-pointer panic, exit code 2; etcd-server-reference §0 row 5, and main by its code); the simulator answers INVALID_ARGUMENT and keeps serving.',
    why: 'A crash is never worth imitating. Every backend refuses the action before sending (InvalidArgumentError), so no case sends it to a real server; the maintenance cases assert the refusal on every target.',
    memory: {
      notSelectable:
        'A memory store (and the simulator server) never imitates a crash, whatever its etcdVersion.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY }),
  },
  snapshotFormat: {
    where: 'a real etcd (every version), beside the memory store and the simulator server',
    what: "A real etcd's Maintenance.Snapshot data is its bolt file; the memory store and the simulator stream their own format (one JSON document padded to 512-byte pages), in etcd's stream shape (32 KiB chunks, remaining bytes, then the SHA-256). `etcdctl snapshot save` accepts both; `etcdctl snapshot status`/`restore` read only bolt; MemoryStore.restore and `serve --load` read only the simulator's, and refuse a bolt file with a clear error.",
    why: "Writing or reading bolt files is out of the simulator's scope; the stream's shape, which is what clients check, is etcd's. The snapshot case asserts the shape on every target and the data's format per side.",
    memory: {
      notSelectable: "The data format is the store's own on every etcdVersion; only a real etcd writes bolt.",
    },
    applies: (ctx) => ctx.target === 'etcd',
  },
  corruptLeaseExpiry: {
    where: 'etcd (read in 3.4.23 source, not measured) against the memory store and the simulator',
    what: "While a CORRUPT alarm is raised, etcd's apply of the LeaseRevoke that a lease's expiry proposes fails like every other write, so an expired lease and its keys stay until the alarm is disarmed; the memory store still revokes expired leases (and deletes their keys) under CORRUPT.",
    why: 'Not measured on a real server (raising CORRUPT by hand and waiting out a lease is the case no test makes yet); listed so that nobody relies on either side.',
    memory: {
      notSelectable: 'Not a release difference: no etcdVersion changes it; the memory store follows its own alarm rules.',
    },
    applies: (ctx) => ctx.target === 'etcd',
  },
  dbSizeModel: {
    where: 'a real etcd (every version), beside the memory store and the simulator server',
    what: "A real etcd's Status dbSize/dbSizeInUse are bolt page counts (32 KiB fresh) and its quota check uses the size as of its last commit, so a full store overshoots by a varying number of writes. The memory store computes them from its contents (maintenance/db-size.ts: per stored revision, etcd's revision key plus protobuf KeyValue; total = in-use peak until defragment): 0 when fresh, and an exact quota check.",
    why: "Bolt's page allocation is not reproducible; what callers rely on — writes grow it, compaction frees in-use space, defragment shrinks the total, a full quota raises NOSPACE — is the same everywhere. Cases assert those relations, never absolute sizes.",
    memory: {
      notSelectable: 'The size model is the same on every etcdVersion; only a real etcd has bolt pages.',
    },
    applies: (ctx) => ctx.target === 'etcd',
  },
} satisfies Record<string, KnownDifference>;

/** True when `id`'s difference applies to this case's target. */
export function differs(id: keyof typeof knownDifferences, ctx: Ctx): boolean {
  return knownDifferences[id].applies(ctx);
}
