/** `etcd-kv-kit serve`: the simulator server from a shell, configured with etcd's own flag names. */

import { readFileSync } from 'node:fs';
import { ManualClock } from '../clock/manual-clock.js';
import { minLeaseTtlFor } from '../common/raft-timers.js';
import type { JwtTokenOptions } from '../memory-backend/auth/jwt-tokens.js';
import { DEFAULT_ETCD_VERSION, etcdBehaviour } from '../memory-backend/etcd-version.js';
import { autoCompaction } from '../memory-backend/maintenance/auto-compaction.js';
import type { ServerOptions } from '../server/options.js';
import { FlagError, type FlagSpec, type FlagValues, flagHelp, parseDuration, parseFlags } from './flags.js';

/** The flags of `serve`. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'name', kind: 'string', help: 'Member name reported by MemberList.', defaultText: 'default' },
  {
    name: 'listen-client-urls',
    kind: 'string',
    help: 'Comma-separated URLs to serve clients on (gRPC and HTTP on each). Port 0 picks a free port.',
    defaultText: 'http://127.0.0.1:2379',
  },
  {
    name: 'advertise-client-urls',
    kind: 'string',
    help: 'Comma-separated client URLs reported to clients.',
    defaultText: 'the listen URLs',
  },
  { name: 'cert-file', kind: 'string', help: 'Server TLS certificate (PEM), for https:// URLs.' },
  { name: 'key-file', kind: 'string', help: 'Server TLS key (PEM).' },
  { name: 'trusted-ca-file', kind: 'string', help: 'CA (PEM) that client certificates must chain to.' },
  {
    name: 'client-cert-auth',
    kind: 'bool',
    help: 'Require a client certificate signed by --trusted-ca-file.',
  },
  {
    name: 'max-request-bytes',
    kind: 'int',
    help: 'Largest write request accepted; gRPC messages may be 512 KiB larger.',
    defaultText: '1572864',
  },
  { name: 'max-txn-ops', kind: 'int', help: 'Most operations in one txn.', defaultText: '128' },
  {
    name: 'heartbeat-interval',
    kind: 'int',
    help: 'Heartbeat interval in ms; with --election-timeout it sets the minimum lease TTL as etcd does.',
    defaultText: '100',
  },
  { name: 'election-timeout', kind: 'int', help: 'Election timeout in ms.', defaultText: '1000' },
  {
    name: 'experimental-watch-progress-notify-interval',
    kind: 'duration',
    help: 'Interval of progress notifications for watchers that ask for them.',
    defaultText: '10m',
  },
  {
    name: 'etcd-version',
    kind: 'string',
    help: 'The etcd release to behave as where releases differ (watch progress, negative start revisions), e.g. 3.4.23. Status reports it.',
    defaultText: DEFAULT_ETCD_VERSION,
  },
  {
    name: 'auth-token',
    kind: 'string',
    help: 'Tokens Authenticate hands out: simple, or jwt,pub-key=<pem>,priv-key=<pem>,sign-method=RS256,ttl=5m (RS, PS, ES or HS with 256, 384 or 512).',
    defaultText: 'simple',
  },
  {
    name: 'auth-token-ttl',
    kind: 'int',
    help: 'Seconds a simple token may go unused before it expires.',
    defaultText: '300',
  },
  {
    name: 'bcrypt-cost',
    kind: 'int',
    help: 'Cost of hashing user passwords, 4 to 14 (scrypt with N = 2^(cost+4) stands in for bcrypt); 4 is fastest, for tests.',
    defaultText: '10',
  },
  {
    name: 'seed',
    kind: 'int',
    help: "Seed for server-chosen lease IDs and the faults' seeded choices, for reproducible runs.",
    defaultText: 'random',
  },
  {
    name: 'quota-backend-bytes',
    kind: 'int',
    help: 'Backend space quota: a write that would take the db size past it raises the NOSPACE alarm and fails with "database space exceeded". 0: 2 GiB; negative: no quota.',
    defaultText: '0',
  },
  {
    name: 'auto-compaction-mode',
    kind: 'string',
    help: "How to read --auto-compaction-retention: 'periodic' (a duration; a bare number is hours) or 'revision' (revisions to keep).",
    defaultText: 'periodic',
  },
  {
    name: 'auto-compaction-retention',
    kind: 'string',
    help: 'Auto-compaction retention, e.g. 1h, 30m, 1000. 0 disables auto-compaction.',
    defaultText: '0',
  },
  {
    name: 'load',
    kind: 'string',
    help: 'Start from this file: a snapshot (etcdctl snapshot save against the simulator) or a JSON fixture of keys, {"config/a": "1"}. A bad file stops the start-up (exit 1).',
  },
  {
    name: 'fault-api',
    kind: 'bool',
    help: 'Serve the fault control API (HTTP JSON under /faults/v1/ on each client URL, loopback only).',
  },
  {
    name: 'manual-clock',
    kind: 'bool',
    help: 'Run leases and timers on a clock that moves only by POST /faults/v1/clock/advance (needs --fault-api).',
  },
];

/** The text of `serve --help`. */
export const SERVE_HELP = `Usage: etcd-kv-kit serve [flags]

Serve an in-memory etcd on etcd's v3 gRPC API and its JSON gateway, for clients in any language:
etcdctl, Go's clientv3, python-etcd3, etcd3 for Node. It mirrors etcd's semantics — revisions, txns,
watches, leases, errors — from one process that starts in milliseconds.

All data lives in memory and is gone when the server stops (--load starts from a snapshot or a fixture;
'etcd-kv-kit dump' writes one). There is no data dir, no peer traffic and no raft: this is one member on
its own. The client port also serves etcd's JSON gateway (/v3/...), GET /health, /version and /metrics.

Prints one line when ready: "etcd-kv-kit: ready to serve client requests on <url>[,<url>...]".
SIGINT or SIGTERM closes every stream and connection and exits 0. A bad flag exits 2.

With --fault-api, tests in any language can inject faults: partition a connection, lose replies,
inject etcd errors, add latency, reset or cancel watches, expire leases, hold keepalive answers, pause
a client, restart or freeze the server, and (with --manual-clock) move time. A connection is named by
the gRPC metadata "etcd-kv-kit-client: <name>" of its first call, or else by its peer address. Example:
  curl -s -XPOST localhost:2379/faults/v1/partition -d '{"target":"worker-1"}'
  curl -s localhost:2379/faults/v1/clients
See the README for every route.

Flags (etcd's names where etcd has the flag):
${flagHelp(SERVE_FLAGS)}
`;

function list(value: string | number | boolean | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FlagError(`--${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function intFlag(values: FlagValues, name: string, fallback: number, min: number): number {
  const v = (values.get(name) as number | undefined) ?? fallback;
  if (v < min) throw new FlagError(`--${name} must be at least ${min}, received ${v}`);
  return v;
}

/** `--auth-token jwt,pub-key=…,priv-key=…,sign-method=…,ttl=…`, as etcd reads it. */
function jwtFlag(value: string): JwtTokenOptions {
  const [kind, ...pairs] = value.split(',');
  if (kind !== 'jwt') {
    throw new FlagError(
      `--auth-token must be "simple" or "jwt,<options>", received ${JSON.stringify(value)}`,
    );
  }
  const opts = new Map<string, string>();
  for (const pair of pairs) {
    const [k, v, ...rest] = pair.split('=');
    if (k === undefined || v === undefined || rest.length > 0 || opts.has(k)) {
      throw new FlagError(`--auth-token: invalid option ${JSON.stringify(pair)}`);
    }
    opts.set(k, v);
  }
  const jwt: JwtTokenOptions = { signMethod: opts.get('sign-method') ?? '' };
  const pub = opts.get('pub-key');
  const priv = opts.get('priv-key');
  if (pub !== undefined) jwt.publicKey = readPem('auth-token pub-key', pub);
  if (priv !== undefined) jwt.privateKey = readPem('auth-token priv-key', priv);
  const ttl = opts.get('ttl');
  if (ttl !== undefined) jwt.ttl = parseDuration(ttl) / 1000;
  return jwt;
}

/** Server options from `serve`'s arguments; throws FlagError for anything it cannot use. */
export function serveOptions(args: readonly string[]): ServerOptions {
  const values = parseFlags(args, SERVE_FLAGS);
  const heartbeat = intFlag(values, 'heartbeat-interval', 100, 1);
  const election = intFlag(values, 'election-timeout', 1000, 1);
  // etcd refuses these timer combinations at start-up; so do we.
  if (5 * heartbeat > election) {
    throw new FlagError(
      `--election-timeout[${election}ms] should be at least as 5 times as --heartbeat-interval[${heartbeat}ms]`,
    );
  }
  if (election > 50_000)
    throw new FlagError(`--election-timeout[${election}ms] is too long, and should be set less than 50000ms`);
  const options: ServerOptions = {
    name: (values.get('name') as string | undefined) ?? 'default',
    listenClientUrls: list(values.get('listen-client-urls')) ?? ['http://127.0.0.1:2379'],
    maxRequestBytes: intFlag(values, 'max-request-bytes', 1_572_864, 1),
    maxTxnOps: intFlag(values, 'max-txn-ops', 128, 1),
    minLeaseTtl: minLeaseTtlFor(heartbeat, election),
  };
  const advertise = list(values.get('advertise-client-urls'));
  if (advertise !== undefined) options.advertiseClientUrls = advertise;
  const progress = values.get('experimental-watch-progress-notify-interval') as number | undefined;
  if (progress !== undefined) {
    if (progress < 1)
      throw new FlagError('--experimental-watch-progress-notify-interval must be at least 1ms');
    options.progressNotifyIntervalMs = Math.round(progress);
  }
  const etcdVersion = values.get('etcd-version') as string | undefined;
  if (etcdVersion !== undefined) {
    try {
      etcdBehaviour(etcdVersion);
    } catch (error) {
      throw new FlagError(`--etcd-version: ${(error as Error).message}`);
    }
    options.etcdVersion = etcdVersion;
  }
  const authToken = values.get('auth-token') as string | undefined;
  if (authToken !== undefined && authToken !== 'simple') options.authToken = { jwt: jwtFlag(authToken) };
  const tokenTtl = values.get('auth-token-ttl') as number | undefined;
  if (tokenTtl !== undefined) options.authTokenTtl = intFlag(values, 'auth-token-ttl', 300, 1);
  const cost = values.get('bcrypt-cost') as number | undefined;
  if (cost !== undefined) {
    if (cost < 4 || cost > 14) throw new FlagError(`--bcrypt-cost must be from 4 to 14, received ${cost}`);
    options.bcryptCost = cost;
  }
  const seed = values.get('seed') as number | undefined;
  if (seed !== undefined) options.seed = seed;
  const quota = values.get('quota-backend-bytes') as number | undefined;
  if (quota !== undefined) options.quotaBackendBytes = quota;
  const mode = values.get('auto-compaction-mode') as string | undefined;
  const retention = values.get('auto-compaction-retention') as string | undefined;
  try {
    autoCompaction(mode, retention);
  } catch (error) {
    throw new FlagError(`--auto-compaction-*: ${(error as Error).message}`);
  }
  if (mode !== undefined) options.autoCompactionMode = mode as 'periodic' | 'revision';
  if (retention !== undefined) options.autoCompactionRetention = retention;
  const load = values.get('load') as string | undefined;
  if (load !== undefined) options.load = load;
  if (values.get('fault-api') === true) options.faultApi = true;
  if (values.get('manual-clock') === true) {
    if (options.faultApi !== true)
      throw new FlagError('--manual-clock needs --fault-api (to move the clock)');
    options.clock = new ManualClock();
  }
  const certFile = values.get('cert-file') as string | undefined;
  const keyFile = values.get('key-file') as string | undefined;
  const caFile = values.get('trusted-ca-file') as string | undefined;
  const clientCertAuth = values.get('client-cert-auth') === true;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new FlagError('--cert-file and --key-file go together');
  }
  if (clientCertAuth && caFile === undefined)
    throw new FlagError('--client-cert-auth needs --trusted-ca-file');
  if (certFile !== undefined && keyFile !== undefined) {
    options.tls = { cert: readPem('cert-file', certFile), key: readPem('key-file', keyFile), clientCertAuth };
    if (caFile !== undefined) options.tls.ca = readPem('trusted-ca-file', caFile);
  } else if (caFile !== undefined || clientCertAuth) {
    throw new FlagError('--trusted-ca-file and --client-cert-auth need --cert-file and --key-file');
  }
  return options;
}
