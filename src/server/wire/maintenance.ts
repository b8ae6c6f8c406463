/** Maintenance messages between the wire and the store. */

import type { StatusResponse } from '../../interface/kv.js';
import type { AlarmRequest, AlarmResponse, AlarmType } from '../../interface/maintenance.js';
import { fromBigintUnsigned } from './int64.js';
import { bigintOf, enumOf, type HeaderEncoder, numberOf, type WireMessage } from './message.js';

const ACTIONS = ['GET', 'ACTIVATE', 'DEACTIVATE'] as const;
const ALARMS: Record<string, number> = { NONE: 0, NOSPACE: 1, CORRUPT: 2 };

/** StatusResponse to the wire, every field. */
export function statusOut(h: HeaderEncoder, s: StatusResponse): WireMessage {
  const out: WireMessage = {
    header: h.full(s.header),
    version: s.version,
    dbSize: s.dbSize,
    leader: fromBigintUnsigned(s.leader),
    raftIndex: s.raftIndex,
    raftTerm: s.raftTerm,
    raftAppliedIndex: s.raftAppliedIndex,
    dbSizeInUse: s.dbSizeInUse,
  };
  if (s.errors.length > 0) out.errors = s.errors;
  if (s.isLearner) out.isLearner = true;
  return out;
}

/**
 * An AlarmRequest from the wire. An action outside the enum passes through as its number, for the store
 * to refuse (etcd 3.4.23 crashes on it).
 */
export function alarmIn(m: WireMessage): AlarmRequest {
  const n = enumOf(m, 'action');
  return {
    action: (ACTIONS[n] ?? n) as AlarmRequest['action'],
    memberId: BigInt.asUintN(64, bigintOf(m, 'memberID')),
    alarm: enumOf(m, 'alarm'),
  };
}

function alarmNumber(a: AlarmType): number {
  return typeof a === 'number' ? a : (ALARMS[a] ?? 0);
}

/** An AlarmResponse to the wire (no header, as etcd sends it). */
export function alarmOut(r: AlarmResponse): WireMessage {
  if (r.alarms.length === 0) return {};
  return {
    alarms: r.alarms.map((a) => {
      const out: WireMessage = {};
      if (a.memberId !== 0n) out.memberID = fromBigintUnsigned(a.memberId);
      const alarm = alarmNumber(a.alarm);
      if (alarm !== 0) out.alarm = alarm;
      return out;
    }),
  };
}

/** The revision of a HashKVRequest. */
export function hashKvIn(m: WireMessage): { revision: number } {
  return { revision: numberOf(m, 'revision') };
}

/** The uint64 ID of a MoveLeader or member request. */
export function uint64In(m: WireMessage, field: string): bigint {
  return BigInt.asUintN(64, bigintOf(m, field));
}
