/**
 * The etcdctl sessions run on both servers: the commands etcdctl has for the KV, watch, lease,
 * concurrency and cluster APIs the simulator serves, with their options. Each session is built from the
 * revision it starts at (the same on both servers), so revisions in commands and outputs line up.
 */

import type { Step } from './harness.js';

const run = (...args: string[]): Step => ({ run: args });
const txn = (stdin: string, ...flags: string[]): Step => ({ run: ['txn', '-i', ...flags], stdin });

/** KV: put/get with their options, del, txn -i, compaction. */
export function kvSteps(r: number): Step[] {
  const at = (n: number) => String(r + n);
  return [
    run('put', 'a', '1'), // r+1
    run('put', 'b', '2'), // r+2
    run('put', 'c/1', 'x'),
    run('put', 'c/2', 'y'),
    run('put', 'c/3', 'z'), // r+5
    run('put', 'a', '11', '--prev-kv'), // r+6
    run('put', 'b', '--ignore-value', '--prev-kv'), // r+7
    run('put', 'missing', '--ignore-value'),
    run('get', 'a'),
    run('get', 'missing'),
    run('get', 'a', '-w', 'json'),
    run('get', 'c/', '--prefix'),
    run('get', 'c/', '--prefix', '-w', 'json'),
    run('get', 'b', '--from-key', '--keys-only'),
    run('get', 'a', '--rev', at(1)),
    run('get', 'a', '--rev', at(1), '-w', 'json'),
    run('get', 'a', '--print-value-only'),
    run('get', 'a', '--consistency=s'),
    run('get', 'c/', '--prefix', '--hex'),
    run('get', 'c/', '--prefix', '--limit', '2'),
    run('get', 'c/', '--prefix', '--limit', '2', '-w', 'json'),
    run('get', '', '--from-key', '--sort-by', 'VALUE', '--order', 'DESCEND'),
    run('get', '', '--from-key', '--sort-by', 'MODIFY', '--order', 'ASCEND', '--keys-only'),
    run('get', '', '--from-key', '--sort-by', 'CREATE', '--order', 'DESCEND', '--keys-only'),
    run('get', 'c/', '--prefix', '--sort-by', 'KEY', '--order', 'DESCEND', '--limit', '2'),
    run('get', 'a', 'c/2', '--keys-only'),
    run('get', 'c/', '--prefix', '-w', 'fields'),
    run('get', 'c/', '--prefix', '--print-value-only', '--rev', at(4)),
    run('get', 'a', '--rev', at(100)),
    run('put', '', 'empty-key'),
    run('get', ''),
    run('del', 'c/1', '--prev-kv'), // r+8
    run('del', 'c/', '--prefix', '-w', 'json'), // r+9
    run('del', 'nothing'),
    run('put', 'd/1', '1'), // r+10
    run('put', 'd/2', '2'), // r+11
    run('del', 'd/', '--prefix', '--prev-kv'), // r+12
    run('put', 'f/1', '1'), // r+13
    run('put', 'f/2', '2'), // r+14
    run('del', 'f/1', '--from-key'), // r+15
    txn('value("a") = "11"\nmod("b") > "0"\n\nput t/ok yes\nget a\n\nput t/no no\n\n'), // r+16
    txn('create("a") = "0"\n\nput t/ok2 yes\n\ndel t/ok\nget t/ --prefix\n\n', '-w', 'json'), // r+17
    txn('version("a") < "5"\n\ndel a --prev-kv\n\n\n'), // r+18
    txn('value("b") != "2"\n\n\nput b 3\n\n'), // r+19
    txn('\nget b\nput b 4\nget b\ndel nothing\n\n\n', '-w', 'json'), // r+20
    txn('mod("b") = "1"\n\nput x y\n\nget b --rev=1\n\n'),
    run('put', 'e', '1'), // r+21
    run('put', 'e', '2'), // r+22
    run('put', 'e', '3'), // r+23
    run('get', 'e', '--rev', at(21)),
    run('compaction', at(22)),
    run('get', 'e', '--rev', at(21)),
    run('get', 'e', '--rev', at(22)),
    run('compaction', at(22)),
    run('compaction', at(5)),
    run('compaction', at(1000)),
    run('compaction', at(23), '--physical'),
    run('get', '', '--from-key', '-w', 'json'),
  ];
}

/**
 * Watch: history first (watchers start at a past revision, so their first answer is the catch-up batch),
 * then live events once that batch is out — the same responses on any server, whatever the timing.
 */
export function watchSteps(r: number): Step[] {
  const at = (n: number) => String(r + n);
  return [
    run('put', 'w/a', '1'), // r+1
    run('put', 'w/b', '2'), // r+2
    run('put', 'w/a', '3'), // r+3
    { start: 'prefix', args: ['watch', '--prefix', 'w/', '--prev-kv', '--rev', at(1)] },
    { start: 'json', args: ['watch', 'w/a', '--rev', at(2), '-w', 'json'] },
    { start: 'range', args: ['watch', 'w/a', 'w/d', '--rev', at(1)] },
    { waitOutput: 'prefix', text: 'PUT\nw/a\n1\nw/a\n3\n' },
    { waitOutput: 'json', text: `"mod_revision":${at(3)}` },
    { waitOutput: 'range', text: 'w/b\n2\nPUT\nw/a\n3\n' },
    run('del', 'w/', '--prefix'), // r+4
    run('put', 'w/c', '4'), // r+5
    { waitOutput: 'prefix', text: 'PUT\nw/c\n4\n' },
    { waitOutput: 'json', text: `"mod_revision":${at(4)}` },
    { waitOutput: 'range', text: 'PUT\nw/c\n4\n' },
    { stop: 'prefix', signal: 'SIGINT' },
    { stop: 'json', signal: 'SIGTERM' },
    { stop: 'range', signal: 'SIGINT' },
    // A start before the compaction: etcdctl reports the cancel and exits.
    run('compaction', at(3)),
    run('watch', 'w/', '--prefix', '--rev', at(1)),
    run('watch', 'w/a', '--rev', at(2), '-w', 'json'),
  ];
}

/** Leases: grant, attach, time-to-live, keep-alive (once and in the background), list, revoke, expiry. */
export function leaseSteps(): Step[] {
  return [
    { run: ['lease', 'grant', '60'], save: 'L1' },
    { run: ['lease', 'grant', '100', '-w', 'json'], save: 'L2' },
    run('put', '--lease={{L1}}', 'lk/1', 'v1'),
    run('put', '--lease={{L1}}', 'lk/2', 'v2'),
    run('put', '--lease={{L2}}', 'lk/3', 'v3'),
    run('get', 'lk/', '--prefix', '-w', 'json'),
    run('lease', 'timetolive', '{{L1}}'),
    run('lease', 'timetolive', '{{L1}}', '--keys'),
    run('lease', 'timetolive', '{{L2}}', '--keys', '-w', 'json'),
    run('lease', 'keep-alive', '--once', '{{L1}}'),
    run('lease', 'keep-alive', '--once', '{{L2}}', '-w', 'json'),
    run('lease', 'list'),
    run('lease', 'list', '-w', 'json'),
    { start: 'keepalive', args: ['lease', 'keep-alive', '{{L2}}'] },
    { waitOutput: 'keepalive', text: 'keepalived with TTL(100)\n' },
    { stop: 'keepalive', signal: 'SIGINT' },
    run('lease', 'revoke', '{{L1}}'),
    run('get', 'lk/', '--prefix', '--keys-only'),
    run('lease', 'timetolive', '{{L1}}'),
    run('lease', 'timetolive', '{{L1}}', '-w', 'json'),
    run('lease', 'keep-alive', '--once', '{{L1}}'),
    run('lease', 'revoke', '{{L1}}'),
    run('put', '--lease={{L1}}', 'lk/4', 'v4'),
    run('put', '--lease=1234abcd', 'lk/4', 'v4'),
    run('lease', 'revoke', '{{L2}}'),
    run('lease', 'list'),
    // The minimum TTL (1 s for the raft timers both servers use), then expiry on the servers' clocks.
    { run: ['lease', 'grant', '1'], save: 'L3' },
    run('put', '--lease={{L3}}', 'lk/short', 'v'),
    { waitKeys: 'lk/short', count: 0 },
    run('get', 'lk/short'),
    run('lease', 'timetolive', '{{L3}}'),
    run('lease', 'grant', '0'),
    run('lease', 'grant', '--', '-5'),
  ];
}

/** Lock and elect as etcdctl runs them: held until a signal, or around a command. */
export function concurrencySteps(): Step[] {
  return [
    { start: 'holder', args: ['lock', 'mylock'] },
    { waitOutput: 'holder', text: 'mylock/' },
    { start: 'waiter', args: ['lock', 'mylock'] },
    { waitKeys: 'mylock/', count: 2 },
    { stop: 'holder', signal: 'SIGINT' },
    { waitOutput: 'waiter', text: 'mylock/' },
    run('get', 'mylock/', '--prefix', '--keys-only'),
    { stop: 'waiter', signal: 'SIGTERM' },
    run('get', 'mylock/', '--prefix', '--keys-only'),
    run('lock', '--ttl', '5', 'mylock', '--', 'sh', '-c', 'echo "held $ETCD_LOCK_KEY at $ETCD_LOCK_REV"'),
    run('lock', 'mylock', '--', 'sh', '-c', 'exit 3'),
    { start: 'observer', args: ['elect', '-l', 'myelection'] },
    { start: 'first', args: ['elect', 'myelection', 'p1'] },
    { waitOutput: 'first', text: 'p1\n' },
    { waitOutput: 'observer', text: 'p1\n' },
    { start: 'second', args: ['elect', 'myelection', 'p2'] },
    { waitKeys: 'myelection/', count: 2 },
    { stop: 'first', signal: 'SIGINT' },
    { waitOutput: 'second', text: 'p2\n' },
    { waitOutput: 'observer', text: 'p2\n' },
    run('get', 'myelection/', '--prefix'),
    // The observer first, while it only watches (stopped mid-request, etcdctl logs the cancel).
    { stop: 'observer', signal: 'SIGINT' },
    { stop: 'second', signal: 'SIGINT' },
    run('get', 'myelection/', '--prefix'),
    run('elect', 'myelection'),
  ];
}

/** The cluster as a single member reports it. */
export function clusterSteps(): Step[] {
  return [
    run('endpoint', 'status'),
    run('endpoint', 'status', '-w', 'json'),
    run('endpoint', 'status', '-w', 'table'),
    run('endpoint', 'health'),
    run('endpoint', 'health', '-w', 'json'),
    run('member', 'list'),
    run('member', 'list', '-w', 'json'),
    run('member', 'list', '-w', 'table'),
    run('alarm', 'list'),
  ];
}
