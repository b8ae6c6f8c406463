/**
 * The one list of known behaviour differences between targets. A case that meets one branches on
 * {@link differs} and asserts each side's behaviour; nothing is skipped. Each entry says which servers
 * differ, why, and how the memory backend handles it: either its `etcdVersion` option selects the
 * behaviour (see src/memory-backend/etcd-version.ts, where users read it), so a memory store set to a
 * release behaves as that release and the entry applies to it as to a real server of that version; or it
 * cannot be selected, and the entry says why.
 */

import { type AuthBehaviour, type EtcdBehaviour, etcdBehaviour } from '../../memory-backend/etcd-version.js';
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
  readonly memory: { readonly selectedBy: BehaviourField } | { readonly notSelectable: string };
  /** True when the case context is on the differing side. */
  applies(ctx: Ctx): boolean;
}

/** A field of {@link EtcdBehaviour}, or of its `auth` part as `auth.<field>`. */
export type BehaviourField = Exclude<keyof EtcdBehaviour, 'auth'> | `auth.${keyof AuthBehaviour}`;

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
      notSelectable:
        'Not a release difference: no etcdVersion changes it; the memory store follows its own alarm rules.',
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
  // ---- auth: releases differ (the memory store's etcdVersion selects each) ----
  authStatusUnimplemented: {
    where: 'etcd 3.4 (3.4.23 measured); memory with such an etcdVersion',
    what: 'AuthStatus is not served: UNIMPLEMENTED "unknown method AuthStatus for service etcdserverpb.Auth". From 3.5 it answers { enabled, authRevision }.',
    why: 'Added in etcd 3.5; each side is asserted. On 3.4 the auth revision cannot be read at all.',
    memory: { selectedBy: 'auth.authStatus' },
    applies: (ctx) => !behaviourOf(ctx).auth.authStatus,
  },
  tokenRefusedWhileAuthOff: {
    where: 'etcd < 3.4.28, 3.5.0–3.5.9 (3.4.23 measured); memory with such an etcdVersion',
    what: 'While auth is off, a request carrying any token (an old one, or garbage) fails with InvalidAuthTokenError; later releases ignore tokens while auth is off.',
    why: 'Changed upstream (AuthInfoFromCtx returns nothing while auth is disabled, 3.4.28 / 3.5.10 / 3.6.0); each side is asserted.',
    memory: { selectedBy: 'auth.tokenWhileOff' },
    applies: (ctx) => behaviourOf(ctx).auth.tokenWhileOff === 'refused',
  },
  authenticateChecksToken: {
    where: 'etcd < 3.4.28 (3.4.23 measured); memory with such an etcdVersion',
    what: 'Authenticate sent with an invalid token fails with InvalidAuthTokenError (after the password check); 3.5 and 3.4.28 on do not look at it.',
    why: 'Authenticate stopped going through the token check in 3.5.0 and 3.4.28; each side is asserted.',
    memory: { selectedBy: 'auth.authenticateChecksToken' },
    applies: (ctx) => behaviourOf(ctx).auth.authenticateChecksToken,
  },
  permissionRangeUnchecked: {
    where: 'etcd < 3.4.25, 3.5.0–3.5.7 (3.4.23 measured); memory with such an etcdVersion',
    what: 'RoleGrantPermission stores a permission with an empty key or a backwards range as given; later releases refuse it with InvalidAuthMgmtError.',
    why: 'isValidPermissionRange was added in 3.4.25 / 3.5.8 / 3.6.0; each side is asserted.',
    memory: { selectedBy: 'auth.permissionRangeChecked' },
    applies: (ctx) => !behaviourOf(ctx).auth.permissionRangeChecked,
  },
  longPasswordsAccepted: {
    where: 'etcd < 3.4.28, 3.5.0–3.5.9 (3.4.23 measured); memory with such an etcdVersion',
    what: 'A password longer than 72 bytes is accepted (bcrypt then hashes only its first 72 bytes); releases built with golang.org/x/crypto ≥ 0.5.0 refuse it: UNKNOWN "bcrypt: password length exceeds 72 bytes".',
    why: 'A change of the bcrypt library etcd vendors (3.4.28, 3.5.10, 3.6.0); each side is asserted. The truncation itself is not imitated: see bcryptTruncation.',
    memory: { selectedBy: 'auth.longPasswords' },
    applies: (ctx) => behaviourOf(ctx).auth.longPasswords === 'accepted',
  },
  maintenanceAuthErrorsUnmapped: {
    where: 'etcd 3.4 and 3.5 (3.4.23 measured); memory with such an etcdVersion',
    what: 'The auth errors of the maintenance RPCs reach the wire unmapped: UNKNOWN "auth: permission denied", "auth: user name is empty", "auth: invalid auth token"; 3.6 maps them (PERMISSION_DENIED "etcdserver: permission denied", …). The error classes are the same (their `unmapped` flag is set).',
    why: 'etcd 3.6 passes them through togRPCError; each side is asserted.',
    memory: { selectedBy: 'auth.maintenanceAuthErrors' },
    applies: (ctx) => behaviourOf(ctx).auth.maintenanceAuthErrors === 'unmapped',
  },
  rootRoleGetStored: {
    where: 'etcd 3.4 and 3.5 (3.4.23 measured); memory with such an etcdVersion',
    what: 'RoleGet of a created role root lists the permissions granted to it (which change nothing); 3.6 answers one READWRITE permission over every key.',
    why: 'Changed in 3.6.0; each side is asserted.',
    memory: { selectedBy: 'auth.rootRoleGet' },
    applies: (ctx) => behaviourOf(ctx).auth.rootRoleGet === 'stored',
  },
  // ---- auth: defects of older releases (etcd-server-reference §0); the memory store always denies ----
  nestedTxnUnchecked: {
    where: 'etcd < 3.4.42, 3.5.0–3.5.27, 3.6.0–3.6.10 (3.4.23 measured; GHSA-rfx7-8w68-q57q)',
    what: 'The ops of a nested txn are not permission-checked: a user can write or read keys it has no right to inside txn{txn{…}}.',
    why: 'A security defect. The cases assert denial on the memory store and the simulator, and never send such a txn to an affected real server.',
    memory: {
      notSelectable:
        'A security hole: the memory store checks every op of every nested txn on every etcdVersion, as fixed releases do.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 42, '3.5': 28, '3.6': 11 }),
  },
  txnPutUnchecked: {
    where: 'etcd < 3.4.44, 3.5.0–3.5.29, 3.6.0–3.6.10 (3.4.23 measured; GHSA-x35m-3gp4-4fh5)',
    what: "A put inside a txn skips the prev_kv READ check and the lease check (WRITE on the lease's other keys) that a plain Put makes.",
    why: 'A security defect. The cases assert denial on the memory store and the simulator, and never send such a txn to an affected real server.',
    memory: {
      notSelectable:
        "A security hole: the memory store checks a txn put's prev_kv and lease exactly as a plain Put on every etcdVersion.",
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 44, '3.5': 30, '3.6': 11 }),
  },
  fromKeyWatchUnchecked: {
    where: 'etcd 3.4 (every release read, 3.4.23 measured), < 3.5.33, < 3.6.14 (GHSA-xg4h-6gfc-h4m8)',
    what: 'A from-key watch ([key, "\\0")) checks READ on its start key only, so a user with READ on one key receives events for every key after it.',
    why: 'A security defect. The cases assert denial on the memory store and the simulator, and never open such a watch on an affected real server.',
    memory: {
      notSelectable:
        'A security hole: the memory store checks a from-key watch on its whole interval on every etcdVersion, as Range does.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY, '3.5': 33, '3.6': 14 }),
  },
  nospaceDisablesAuth: {
    where: 'etcd 3.4 and 3.5 (3.4.23 measured; etcd PR #22386 open for 3.5; GHSA-q8m4-xhhv-38mg)',
    what: 'While a NOSPACE alarm is active, DeleteRange, LeaseRevoke and every auth management RPC skip their auth checks (anyone can add a user and grant it root).',
    why: 'A security defect, not asserted anywhere (no case raises NOSPACE on a real server with auth on).',
    memory: {
      notSelectable: 'A security hole: the memory store never skips an auth check, whatever its alarms.',
    },
    applies: (ctx) =>
      realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY, '3.5': Number.POSITIVE_INFINITY }),
  },
  grantWithoutPermissionCrash: {
    where: 'etcd < 3.4.25 (3.4.23 measured)',
    what: 'RoleGrantPermission without a permission crashes the server (nil pointer at apply); later releases answer INVALID_ARGUMENT "etcdserver: permission not given".',
    why: 'A crash. The typed API always carries a permission; the simulator answers the raw request as later releases do.',
    memory: { notSelectable: 'A crash, never imitated: every etcdVersion answers PermissionNotGivenError.' },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 25 }),
  },
  timeToLiveKeysUnchecked: {
    where: 'etcd < 3.4.26, 3.5.0–3.5.8 (3.4.23 measured; CVE-2023-32082)',
    what: 'LeaseTimeToLive with keys lists the attached key names to anyone, even without a token.',
    why: 'A security defect. The cases assert denial on the memory store and the simulator, and assert nothing about it on an affected real server.',
    memory: {
      notSelectable:
        'A security hole: the memory store requires READ on every attached key on every etcdVersion.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 26, '3.5': 9 }),
  },
  opsWithoutAuth: {
    where: 'etcd < 3.4.42, 3.5.0–3.5.27, 3.6.0–3.6.8 (3.4.23 measured; GHSA-q8m4-xhhv-38mg)',
    what: "LeaseGrant, LeaseRevoke of a key-less lease, LeaseKeepAlive, LeaseTimeToLive, LeaseLeases, Status, MemberList, MoveLeader and Alarm need no user while auth is on; fixed releases require one (and root for MoveLeader and alarm changes, WRITE on a lease's keys for a renewal).",
    why: 'A security defect. The cases assert the fixed rule on the memory store and the simulator, and assert nothing about these calls without a user on an affected real server.',
    memory: {
      notSelectable: 'A security hole: the memory store applies the fixed checks on every etcdVersion.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 42, '3.5': 28, '3.6': 9 }),
  },
  bcryptTruncation: {
    where: 'etcd releases that accept passwords over 72 bytes (see longPasswordsAccepted; 3.4.23 measured)',
    what: 'Only the first 72 bytes of a password count: a user whose password is 73 bytes long authenticates with any password sharing its first 72 bytes.',
    why: 'A weakness of bcrypt; no case relies on it.',
    memory: {
      notSelectable:
        'The memory store hashes with scrypt and compares the whole password on every etcdVersion.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': 28, '3.5': 10 }),
  },
  emptyRangeEndReadUnchecked: {
    where: 'etcd 3.4.23 (measured; later releases not checked)',
    what: 'A Range whose range_end is present but empty reads every key from `key` on (semantics §12), but is permission-checked as a single-key read: a user with READ on one key reads every key after it.',
    why: 'A wire-level hole no backend can send (both send an empty range end as absent); the simulator turns such a wire request into a from-key range and checks it as one.',
    memory: {
      notSelectable: 'A security hole: the memory store checks the range it reads, on every etcdVersion.',
    },
    applies: (ctx) => realServerBefore(ctx, { '3.4': Number.POSITIVE_INFINITY }),
  },
  futureTokenIndexWaits: {
    where: 'etcd (3.4.23 measured)',
    what: 'A simple token whose index lies beyond the applied raft index makes etcd wait for that index until the request deadline, then answer InvalidAuthTokenError; the memory store answers InvalidAuthTokenError at once.',
    why: 'The memory store has no raft log to wait on; the answer is the same, only its timing differs. No case sends such a token.',
    memory: { notSelectable: 'There is no raft index to wait for in a single in-memory store.' },
    applies: () => false,
  },
} satisfies Record<string, KnownDifference>;

/** True when `id`'s difference applies to this case's target. */
export function differs(id: keyof typeof knownDifferences, ctx: Ctx): boolean {
  return knownDifferences[id].applies(ctx);
}
