/**
 * Normalize etcdctl transcripts so a real etcd's and the simulator's can be compared exactly: only what
 * cannot match is replaced — cluster, member and lease IDs (by order of first appearance), ports,
 * timings, raft indexes and database sizes. The simulator runs as the etcd release it is compared with
 * (`etcdVersion`), so versions match as they are.
 */

import { type CtlResult, runCtl } from './harness.js';

/** The IDs a server reports about itself. */
export interface Identity {
  readonly clusterId: bigint;
  readonly memberId: bigint;
}

/** Ask a server for its cluster and member IDs (from `endpoint status -w json`). */
export async function identityOf(endpoint: string, tls: readonly string[] = []): Promise<Identity> {
  const r = await runCtl(endpoint, ['endpoint', 'status', '-w', 'json'], { tls });
  const cluster = /"cluster_id":(\d+)/.exec(r.stdout)?.[1];
  const member = /"member_id":(\d+)/.exec(r.stdout)?.[1];
  if (cluster === undefined || member === undefined) {
    throw new Error(`endpoint status gave no IDs: ${r.stdout} ${r.stderr}`);
  }
  return { clusterId: BigInt(cluster), memberId: BigInt(member) };
}

/** Replace the whole-word token `token` (digits or hex digits) with `by`. */
function replaceToken(text: string, token: string, by: string): string {
  return text.replace(new RegExp(`(?<![0-9A-Za-z])${token}(?![0-9A-Za-z])`, 'g'), by);
}

/**
 * Rewrite each record. Lease IDs are recognized as hex words of 8–16 digits, or JSON numbers of 6+
 * digits (etcdctl prints lease IDs in hex and int64s in JSON as decimal); each distinct ID becomes
 * `<id1>`, `<id2>`, … in the order it first appears, so two transcripts that use their leases the same
 * way normalize alike.
 */
export function normalize(records: readonly CtlResult[], identity: Identity): CtlResult[] {
  const ids = new Map<bigint, string>();
  const idFor = (value: bigint): string => {
    let name = ids.get(value);
    if (name === undefined) {
      name = `<id${ids.size + 1}>`;
      ids.set(value, name);
    }
    return name;
  };
  const text = (s: string): string => {
    // Timings and per-process noise.
    s = s
      .replace(/"ts":"[^"]*"/g, '"ts":"<ts>"')
      .replace(/client-[0-9a-f-]{36}/g, 'client-<uuid>')
      .replace(/took = [0-9.]+[nµum]?s/g, 'took = <duration>')
      .replace(/"took":"[^"]*"/g, '"took":"<duration>"')
      .replace(/remaining\(-?\d+s\)/g, 'remaining(<ttl>)')
      .replace(/"ttl":-?\d+,"granted-ttl"/g, '"ttl":<ttl>,"granted-ttl"')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
    // A lease's keys come from a Go map on etcd: any order. Sorted, as text and as JSON.
    s = s
      .replace(
        /attached keys\(\[([^\]]*)\]\)/g,
        (_m, keys: string) => `attached keys([${keys.split(' ').sort().join(' ')}])`,
      )
      .replace(/"keys":\[([^\]]*)\]/g, (_m, keys: string) => `"keys":[${keys.split(',').sort().join(',')}]`);
    // Raft indexes and database sizes: `endpoint status` as a line and as JSON.
    s = s
      .replace(/"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)":\d+/g, '"$1":<n>')
      .replace(
        /^(127\.0\.0\.1:<port>, [0-9a-f]+, [^,]+), [0-9.]+ [kMG]?B, (true|false), (true|false), (\d+), \d+, \d+, /gm,
        '$1, <size>, $2, $3, $4, <index>, <index>, ',
      );
    // The server's own IDs (short on the simulator, so matched exactly rather than by shape).
    for (const [id, name] of [
      [identity.clusterId, '<cluster>'],
      [identity.memberId, '<member>'],
    ] as const) {
      s = replaceToken(s, id.toString(), name);
      s = replaceToken(s, id.toString(16), name);
    }
    // Lease IDs, decimal in JSON and hex elsewhere, in order of appearance.
    s = s.replace(
      /(":)(\d{6,20})(?!\d)|(?<![0-9A-Za-z+])([0-9a-f]{8,16})(?![0-9A-Za-z+/=])/g,
      (_m, pre, dec, hex) => (dec !== undefined ? `${pre}${idFor(BigInt(dec))}` : idFor(BigInt(`0x${hex}`))),
    );
    return table(s);
  };
  return records.map((r) => ({
    command: r.command,
    exit: r.exit,
    stdout: text(r.stdout),
    stderr: text(r.stderr),
  }));
}

/**
 * Tables: cells trimmed and borders shortened (column widths follow the IDs' lengths); in an
 * `endpoint status` row, the version, size and raft indexes as in the line format.
 */
function table(s: string): string {
  return s.replace(/^[|+].*$/gm, (line) => {
    if (line.startsWith('+')) return line.replace(/-+/g, '-');
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length === 10 && cells[0] === '127.0.0.1:<port>') {
      cells[2] = '<version>';
      cells[3] = '<size>';
      cells[7] = '<index>';
      cells[8] = '<index>';
    }
    return `| ${cells.join(' | ')} |`;
  });
}
