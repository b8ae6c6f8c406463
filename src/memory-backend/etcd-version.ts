/**
 * Which etcd release the memory store behaves as, where releases differ (the `etcdVersion` option).
 *
 * etcd changed a few watch behaviours in patch releases of every maintained branch. Each is listed here
 * with the first release of each branch that has the new behaviour, read from etcd's source at its
 * release tags (etcd-io/etcd `server/etcdserver/api/v3rpc/watch.go`, `server/storage/mvcc/
 * watchable_store.go`) and, for 3.4.23, measured. The store follows the version it is given; the etcd
 * backend shows whatever its server does. The auth behaviours that differ ({@link AuthBehaviour}) were read the
 * same way in `server/auth/store.go`, `server/etcdserver/v3_server.go` and `api/v3rpc/`. Every other
 * behaviour is the same on all these releases.
 */

import { describe } from '../common/validate.js';
import { InvalidArgumentError } from '../interface/errors.js';

/**
 * The default `etcdVersion`: the newest release whose source was read for the behaviours below. The
 * memory store then behaves as current etcd.
 */
export const DEFAULT_ETCD_VERSION = '3.6.14';

/**
 * How a WatchProgressRequest is answered when some watcher on the stream is not synced (still replaying
 * history, canceled for compaction and not yet cancelled, or, on releases where it counts, starting at
 * a revision not reached yet):
 * - `at-once`: answered right away, at the current revision, even before that watcher's replayed events
 *   and possibly ahead of events already queued for a live watcher (etcd #15220). The notice then does not
 *   mean that every event up to its revision was delivered. Releases up to 3.4.24 and 3.5.7.
 * - `deferred`: held, and answered once every watcher is synced, checked after each watch response sent.
 *   3.4.25–3.4.30 and 3.5.8–3.5.12.
 * - `when-synced`: not answered at all (3.4.31 on, 3.5.13 on, 3.6).
 * When every watcher is synced, every release answers at once, and the notice is a bookmark: everything up
 * to its revision has been delivered on every watcher of the stream.
 */
export type ProgressRequestMode = 'at-once' | 'deferred' | 'when-synced';

/** The behaviours that differ between etcd releases, as one release has them. */
export interface EtcdBehaviour {
  /** The release, "major.minor.patch". Maintenance.Status reports it. */
  readonly version: string;
  /** See {@link ProgressRequestMode}. */
  readonly progressRequest: ProgressRequestMode;
  /**
   * True when a watcher whose start revision is above the current revision counts as synced: it gets
   * periodic progress notifications (at the current revision, below its start) and does not hold back a
   * progress request. False from 3.4.38, 3.5.22 and 3.6.2 ("Skip sending progress notification for watch
   * with starting revision in the future", etcd #20229).
   */
  readonly progressForFutureWatchers: boolean;
  /**
   * What a negative start revision gets: `compacted` (created, then canceled with compact_revision: the
   * compact revision, −1 when nothing was compacted; measured on 3.4.23), or `refused` (created + canceled,
   * watch ID −1, cancel_reason "etcdserver: mvcc: required revision has been compacted") from 3.4.38,
   * 3.5.24 and 3.6.6 (etcd #20711 and its backports).
   */
  readonly negativeWatchStart: 'compacted' | 'refused';
  /** The auth behaviours that differ between releases (src/memory-backend/auth/). */
  readonly auth: AuthBehaviour;
  /**
   * The server's Lock service reads the caller's key once its wait is over and answers "mutex: session is
   * expired" if the lease (and so the key) ended meanwhile (3.5.0 on, etcd #11456). 3.4 answers the key as
   * held (measured on 3.4.23; no 3.4 release has the check).
   */
  readonly lockChecksSessionAfterWait: boolean;
}

/** Auth behaviours that differ between etcd releases (security fixes are not here: every release gets them). */
export interface AuthBehaviour {
  /** AuthStatus is served (3.5 on); 3.4 answers UNIMPLEMENTED. */
  readonly authStatus: boolean;
  /**
   * A token on a request while auth is off: `refused` (InvalidAuthTokenError, as measured on 3.4.23) or
   * `ignored` (from 3.4.28, 3.5.10, 3.6.0).
   */
  readonly tokenWhileOff: 'refused' | 'ignored';
  /** Authenticate validates a token sent with it (InvalidAuthTokenError) — up to 3.4.27; 3.5 on ignores it. */
  readonly authenticateChecksToken: boolean;
  /**
   * RoleGrantPermission refuses an empty key or a backwards range with InvalidAuthMgmtError (from 3.4.25,
   * 3.5.8, 3.6.0); older releases store them as given.
   */
  readonly permissionRangeChecked: boolean;
  /**
   * Passwords longer than bcrypt's 72 bytes: `refused` with PasswordTooLongError (releases built with
   * golang.org/x/crypto ≥ 0.5.0: from 3.4.28, 3.5.10, 3.6.0), or `accepted` (older ones, where bcrypt hashed
   * only the first 72 bytes; the memory store compares the whole password).
   */
  readonly longPasswords: 'accepted' | 'refused';
  /**
   * Auth errors of the maintenance RPCs that require root (Hash, HashKV, Defragment, Snapshot, MoveLeader,
   * Alarm): `unmapped` (status UNKNOWN, `auth: …`, 3.4 and 3.5) or `mapped` (etcd's usual status and text, 3.6).
   */
  readonly maintenanceAuthErrors: 'unmapped' | 'mapped';
  /**
   * RoleGet of a created role `root`: `stored` (the permissions granted to it, which change nothing) or
   * `all-keys` (3.6: one READWRITE permission from "" to "\0", what root may do).
   */
  readonly rootRoleGet: 'stored' | 'all-keys';
}

/** First patch release, per branch, with each newer behaviour; a branch not listed has it from x.y.0. */
const FIRST_WITH = {
  orderedProgressReply: { '3.4': 25, '3.5': 8 },
  progressReplyNotDeferred: { '3.4': 31, '3.5': 13 },
  futureWatchersUnsynced: { '3.4': 38, '3.5': 22, '3.6': 2 },
  negativeStartRefused: { '3.4': 38, '3.5': 24, '3.6': 6 },
  authStatus: { '3.4': Number.POSITIVE_INFINITY },
  tokenIgnoredWhileOff: { '3.4': 28, '3.5': 10 },
  authenticateIgnoresToken: { '3.4': 28 },
  permissionRangeChecked: { '3.4': 25, '3.5': 8 },
  longPasswordsRefused: { '3.4': 28, '3.5': 10 },
  maintenanceAuthErrorsMapped: { '3.4': Number.POSITIVE_INFINITY, '3.5': Number.POSITIVE_INFINITY },
  rootRoleAllKeys: { '3.4': Number.POSITIVE_INFINITY, '3.5': Number.POSITIVE_INFINITY },
  lockSessionCheck: { '3.4': Number.POSITIVE_INFINITY },
} as const satisfies Record<string, Record<string, number>>;

const VERSION = /^3\.(\d+)\.(\d+)$/;

/**
 * The behaviours of etcd `version` ("3.4.23"; 3.4.0 or later). Releases after 3.6 are taken to behave
 * as the newest 3.6. Throws {@link InvalidArgumentError} for anything else.
 */
export function etcdBehaviour(version: unknown): EtcdBehaviour {
  const match = typeof version === 'string' ? VERSION.exec(version) : null;
  const minor = Number(match?.[1]);
  if (!match || minor < 4) {
    throw new InvalidArgumentError(
      `etcdVersion must be an etcd release "3.minor.patch", 3.4.0 or later (e.g. "3.4.23", "${DEFAULT_ETCD_VERSION}"), received ${describe(version)}`,
    );
  }
  const patch = Number(match[2]);
  const has = (change: keyof typeof FIRST_WITH): boolean => {
    const first = (FIRST_WITH[change] as Record<string, number>)[`3.${minor}`];
    return first === undefined || patch >= first;
  };
  return {
    version: `3.${minor}.${patch}`,
    progressRequest: !has('orderedProgressReply')
      ? 'at-once'
      : !has('progressReplyNotDeferred')
        ? 'deferred'
        : 'when-synced',
    progressForFutureWatchers: !has('futureWatchersUnsynced'),
    negativeWatchStart: has('negativeStartRefused') ? 'refused' : 'compacted',
    auth: {
      authStatus: has('authStatus'),
      tokenWhileOff: has('tokenIgnoredWhileOff') ? 'ignored' : 'refused',
      authenticateChecksToken: !has('authenticateIgnoresToken'),
      permissionRangeChecked: has('permissionRangeChecked'),
      longPasswords: has('longPasswordsRefused') ? 'refused' : 'accepted',
      maintenanceAuthErrors: has('maintenanceAuthErrorsMapped') ? 'mapped' : 'unmapped',
      rootRoleGet: has('rootRoleAllKeys') ? 'all-keys' : 'stored',
    },
    lockChecksSessionAfterWait: has('lockSessionCheck'),
  };
}
