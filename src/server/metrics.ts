/**
 * `GET /metrics`: Prometheus's text format with etcd's metric names for the figures the simulator has —
 * leader and version gauges, the quota, db size, keys, watchers, revisions, lease counters — and the
 * gRPC server counters by service, method, type and code (`grpc_server_started_total`,
 * `grpc_server_handled_total`; gateway calls count too, as etcd's gateway goes through gRPC). Numbers are
 * printed as Go's Prometheus client prints them (`2.147483648e+09`).
 */

import type { MemoryStore } from '../memory-backend/store.js';
import type { CallCounter } from './grpc/grpc-server.js';
import { allMethods } from './grpc/proto.js';

const CODES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/** A number as Go's strconv.FormatFloat(v, 'g', -1, 64) prints it (Prometheus's Go client does). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mantissa = '', e = '0'] = v.toExponential().split('e');
  const exp = Number(e);
  // Shortest 'g' switches to the exponent form below 1e-4 and from 1e6 on.
  if (exp >= -4 && exp < 6) return String(v);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

interface Series {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: [labels: string, value: number][];
}

/** The server's call counters and the text `/metrics` serves. */
export class ServerMetrics implements CallCounter {
  readonly #started = new Map<string, number>();
  readonly #handled = new Map<string, number>();

  started(path: string, kind: string): void {
    const key = `${path} ${kind}`;
    this.#started.set(key, (this.#started.get(key) ?? 0) + 1);
  }

  handled(path: string, kind: string, code: number): void {
    const key = `${path} ${kind} ${code}`;
    this.#handled.set(key, (this.#handled.get(key) ?? 0) + 1);
  }

  /** The Prometheus text for `store`. */
  render(store: MemoryStore): string {
    const status = store.status();
    const counters = store.counters;
    const db = store.dbSize;
    const quota = Number.isFinite(store.quotaBackendBytes) ? store.quotaBackendBytes : -1;
    const [major = '3', minor = '0'] = status.version.split('.');
    const series: Series[] = [
      gauge(
        'etcd_cluster_version',
        "Which version is running. 1 for 'cluster_version' label with current cluster version",
        [[`cluster_version="${major}.${minor}"`, 1]],
      ),
      counter(
        'etcd_debugging_lease_granted_total',
        'The total number of granted leases.',
        counters.leasesGranted,
      ),
      counter(
        'etcd_debugging_lease_renewed_total',
        'The number of renewed leases seen by the leader.',
        counters.leasesRenewed,
      ),
      counter(
        'etcd_debugging_lease_revoked_total',
        'The total number of revoked leases.',
        counters.leasesRevoked,
      ),
      gauge('etcd_debugging_mvcc_compact_revision', 'The revision of the last compaction in store.', [
        ['', store.compactRevision],
      ]),
      gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.', [['', store.revision]]),
      gauge(
        'etcd_debugging_mvcc_db_total_size_in_bytes',
        'Total size of the underlying database physically allocated in bytes.',
        [['', db.total]],
      ),
      gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', [['', store.keyCount]]),
      gauge('etcd_debugging_mvcc_watcher_total', 'Total number of watchers.', [['', store.watcherCount]]),
      gauge(
        'etcd_mvcc_db_total_size_in_bytes',
        'Total size of the underlying database physically allocated in bytes.',
        [['', db.total]],
      ),
      gauge(
        'etcd_mvcc_db_total_size_in_use_in_bytes',
        'Total size of the underlying database logically in use in bytes.',
        [['', db.inUse]],
      ),
      gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', [['', 1]]),
      gauge(
        'etcd_server_id',
        "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
        [[`server_id="${store.memberId.toString(16)}"`, 1]],
      ),
      gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', [
        ['', 1],
      ]),
      counter('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.', 1),
      gauge('etcd_server_quota_backend_bytes', 'Current backend storage quota size in bytes.', [['', quota]]),
      gauge(
        'etcd_server_version',
        "Which version is running. 1 for 'server_version' label with current version.",
        [[`server_version="${status.version}"`, 1]],
      ),
      this.#grpc(
        'grpc_server_handled_total',
        'Total number of RPCs completed on the server, regardless of success or failure.',
        true,
      ),
      this.#grpc('grpc_server_started_total', 'Total number of RPCs started on the server.', false),
    ];
    return series
      .map((s) => {
        const lines = [`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`];
        for (const [labels, value] of s.samples)
          lines.push(`${s.name}${labels === '' ? '' : `{${labels}}`} ${goFloat(value)}`);
        return lines.join('\n');
      })
      .join('\n')
      .concat('\n');
  }

  /** Every method (and, for handled, every code) listed, zero or not, as etcd's middleware does. */
  #grpc(name: string, help: string, byCode: boolean): Series {
    const samples: [string, number][] = [];
    const methods = allMethods().map((m) => ({
      path: m.path,
      service: `${m.package}.${m.service}`,
      method: m.method,
      kind: m.requestStream
        ? m.responseStream
          ? 'bidi_stream'
          : 'client_stream'
        : m.responseStream
          ? 'server_stream'
          : 'unary',
    }));
    methods.push({
      path: '/grpc.health.v1.Health/Check',
      service: 'grpc.health.v1.Health',
      method: 'Check',
      kind: 'unary',
    });
    const codes = byCode
      ? CODES.map((c, i) => [c, i] as const).sort(([a], [b]) => (a < b ? -1 : 1))
      : [['', -1] as const];
    for (const [codeName, code] of codes) {
      for (const m of [...methods].sort((a, b) =>
        a.method < b.method ? -1 : a.method > b.method ? 1 : a.service < b.service ? -1 : 1,
      )) {
        const value = byCode
          ? (this.#handled.get(`${m.path} ${m.kind} ${code}`) ?? 0)
          : (this.#started.get(`${m.path} ${m.kind}`) ?? 0);
        const labels = `${byCode ? `grpc_code="${codeName}",` : ''}grpc_method="${m.method}",grpc_service="${m.service}",grpc_type="${m.kind}"`;
        samples.push([labels, value]);
      }
    }
    return { name, type: 'counter', help, samples };
  }
}

function gauge(name: string, help: string, samples: [string, number][]): Series {
  return { name, type: 'gauge', help, samples };
}

function counter(name: string, help: string, value: number): Series {
  return { name, type: 'counter', help, samples: [['', value]] };
}
