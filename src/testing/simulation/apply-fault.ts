/** Start and end a scheduled fault on a store's fault controller; the details come from the schedule. */

import type { InjectableError } from '../../memory-backend/faults/injected-error.js';
import type { OpSelector } from '../../memory-backend/faults/ops.js';
import type { MemoryStore } from '../../memory-backend/store.js';
import type { ScheduledFault } from './schedule.js';

const ERRORS: readonly InjectableError[] = [
  'leader changed',
  'request timed out',
  'no leader',
  'too many requests',
];
const OPS: readonly OpSelector[] = ['any', 'read', 'write', 'leaseKeepAlive'];

/** Start `fault`; returns what was done, for the trace. */
export function startFault(store: MemoryStore, fault: ScheduledFault): string {
  const faults = store.faults;
  const d = fault.detail;
  const target = fault.target;
  switch (fault.kind) {
    case 'partition':
      faults.partition(target);
      return `partition ${target}`;
    case 'lostReply': {
      const count = 1 + Math.floor(d * 3);
      faults.loseReplies(target, { count });
      return `lose the next ${count} write replies of ${target}`;
    }
    case 'errors': {
      const error = ERRORS[Math.floor(d * ERRORS.length)]!;
      const op = OPS[Math.floor(d * 16) % OPS.length]!;
      const count = 1 + (Math.floor(d * 64) % 3);
      faults.failNext(target, { error, op, count });
      return `fail the next ${count} ${op} requests of ${target} with "${error}"`;
    }
    case 'latency': {
      const maxMs = 10 + Math.floor(d * 190);
      faults.latency(target, { minMs: Math.floor(maxMs / 4), maxMs });
      return `latency ${Math.floor(maxMs / 4)}..${maxMs} ms for ${target}`;
    }
    case 'watchReset':
      faults.resetWatches(target);
      return `reset the watch streams of ${target}`;
    case 'watchCancel':
      faults.cancelWatches(target);
      return `cancel the watchers of ${target} as compacted`;
    case 'expireLease': {
      const ids = store
        .leaseLeases()
        .leases.map((l) => l.id)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (ids.length === 0) return 'expire a lease: none alive';
      const id = ids[Math.floor(d * ids.length)]!;
      faults.expireLease(id);
      return `expire lease ${id.toString(16)}`;
    }
    case 'holdKeepAlives':
      faults.holdKeepAlives(target);
      return `hold back keepalive answers to ${target}`;
    case 'pause':
      faults.pause(target);
      return `pause ${target}`;
    case 'restart':
      if (faults.serverDown) return 'restart: already down';
      faults.restart({ downMs: fault.durationMs });
      return `restart the server, down for ${fault.durationMs} ms`;
    case 'freeze':
      if (faults.serverDown || faults.serverFrozen) return 'freeze: server down or frozen';
      faults.freeze();
      return 'freeze the server';
  }
}

/** End a lasting `fault` (heal, resume, release, thaw, latency off); undefined when there is nothing to end. */
export function endFault(store: MemoryStore, fault: ScheduledFault): string | undefined {
  const faults = store.faults;
  const target = fault.target;
  switch (fault.kind) {
    case 'partition':
      faults.heal(target);
      return `heal ${target}`;
    case 'latency':
      faults.latency(target, 0);
      return `no latency for ${target}`;
    case 'holdKeepAlives':
      faults.releaseKeepAlives(target);
      return `release keepalive answers to ${target}`;
    case 'pause':
      faults.resume(target);
      return `resume ${target}`;
    case 'freeze':
      faults.thaw();
      return 'thaw the server';
    default:
      return undefined; // instantaneous, or ends by itself (restart)
  }
}
