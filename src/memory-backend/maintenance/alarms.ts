/**
 * Alarms as etcd 3.4's alarm store and Alarm applier keep them: one set per alarm type, keyed by member
 * ID; raising the first NOSPACE caps the store (writes that add data are refused), raising the first
 * CORRUPT refuses every write, and disarming the last alarm of either kind restores normal service.
 * etcd's own transitions are copied as they are: the newest raise decides the mode, and any disarm that
 * empties its type restores normal service even if the other kind is still raised.
 */

import { describe } from '../../common/validate.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import type { AlarmMember, AlarmRequest, AlarmResponse, AlarmType } from '../../interface/maintenance.js';

/** etcd's AlarmType enum. */
const ALARM_NUMBER: Record<string, number> = { NONE: 0, NOSPACE: 1, CORRUPT: 2 };
const ALARM_NAME = ['NONE', 'NOSPACE', 'CORRUPT'] as const;

/** How the store applies writes while alarms are raised (etcd's applier chain). */
export type ApplyMode = 'normal' | 'capped' | 'corrupt';

/** An alarm type as its enum number; an unknown name is refused, any number in uint32 range is kept. */
export function alarmNumber(alarm: unknown): number {
  if (alarm === undefined) return 0;
  if (typeof alarm === 'string' && alarm in ALARM_NUMBER) return ALARM_NUMBER[alarm]!;
  if (typeof alarm === 'number' && Number.isInteger(alarm) && alarm >= 0 && alarm <= 0x7fffffff) return alarm;
  throw new InvalidArgumentError(
    `alarm must be NONE, NOSPACE, CORRUPT or an enum number, received ${describe(alarm)}`,
  );
}

/** An alarm number as the API spells it: its name when the enum has one. */
export function alarmType(n: number): AlarmType {
  return ALARM_NAME[n] ?? n;
}

/** A raised alarm as the store holds it. */
export interface RaisedAlarm {
  readonly memberId: bigint;
  readonly alarm: number;
}

/** The raised alarms and the apply mode they put the store in. */
export class Alarms {
  readonly #types = new Map<number, Map<bigint, RaisedAlarm>>();
  #mode: ApplyMode = 'normal';

  /** The current apply mode. */
  get mode(): ApplyMode {
    return this.#mode;
  }

  /** Raised alarms of type `alarm`; every alarm for NONE (0). In the order they were raised. */
  get(alarm: number): RaisedAlarm[] {
    if (alarm !== 0) return [...(this.#types.get(alarm)?.values() ?? [])];
    return [...this.#types.values()].flatMap((set) => [...set.values()]);
  }

  /** Every raised alarm. */
  all(): RaisedAlarm[] {
    return this.get(0);
  }

  /** Maintenance.Alarm, applied as etcd's applier does it. */
  apply(request: AlarmRequest): AlarmResponse {
    const alarm = alarmNumber(request.alarm);
    const memberId = request.memberId ?? 0n;
    if (typeof memberId !== 'bigint' || memberId < 0n || memberId >= 2n ** 64n) {
      throw new InvalidArgumentError(
        `memberId must be a bigint in uint64 range, received ${describe(memberId)}`,
      );
    }
    const oldCount = this.get(alarm).length;
    switch (request.action) {
      case 'GET':
        return { alarms: this.get(alarm).map(member) };
      case 'ACTIVATE': {
        const m = this.#activate(memberId, alarm);
        if (oldCount === 0 && this.get(m.alarm).length === 1) {
          if (m.alarm === 2) this.#mode = 'corrupt';
          else if (m.alarm === 1) this.#mode = 'capped';
        }
        return { alarms: [member(m)] };
      }
      case 'DEACTIVATE': {
        const m = this.#deactivate(memberId, alarm);
        if (m === undefined) return { alarms: [] };
        if (oldCount > 0 && this.get(alarm).length === 0 && (m.alarm === 1 || m.alarm === 2)) {
          this.#mode = 'normal';
        }
        return { alarms: [member(m)] };
      }
      default:
        // etcd 3.4.23 crashes on this (a nil-pointer panic); the simulator refuses it and keeps serving.
        throw new InvalidArgumentError(
          `alarm action must be GET, ACTIVATE or DEACTIVATE, received ${describe(request.action)}`,
        );
    }
  }

  /** Raise NOSPACE for `memberId` (the quota check does this when a write does not fit). */
  raiseNoSpace(memberId: bigint): void {
    this.apply({ action: 'ACTIVATE', memberId, alarm: 'NOSPACE' });
  }

  /** Restore raised alarms (from a snapshot), with the mode etcd's restart gives them. */
  restore(alarms: readonly RaisedAlarm[]): void {
    for (const a of alarms) this.#activate(a.memberId, a.alarm);
    // etcd's restoreAlarms: capped if any NOSPACE, then corrupt on top if any CORRUPT.
    if (this.get(2).length > 0) this.#mode = 'corrupt';
    else if (this.get(1).length > 0) this.#mode = 'capped';
  }

  /** Status.errors: each alarm as Go's text format prints an AlarmMember, trailing space included. */
  statusErrors(): string[] {
    return this.all().map((a) => {
      let text = '';
      if (a.memberId !== 0n) text += `memberID:${a.memberId} `;
      if (a.alarm !== 0) text += `alarm:${ALARM_NAME[a.alarm] ?? a.alarm} `;
      return text;
    });
  }

  #activate(memberId: bigint, alarm: number): RaisedAlarm {
    let set = this.#types.get(alarm);
    if (set === undefined) {
      set = new Map();
      this.#types.set(alarm, set);
    }
    const existing = set.get(memberId);
    if (existing !== undefined) return existing;
    const raised = { memberId, alarm };
    set.set(memberId, raised);
    return raised;
  }

  #deactivate(memberId: bigint, alarm: number): RaisedAlarm | undefined {
    const set = this.#types.get(alarm);
    const m = set?.get(memberId);
    if (m !== undefined) set!.delete(memberId);
    return m;
  }
}

function member(a: RaisedAlarm): AlarmMember {
  return { memberId: a.memberId, alarm: alarmType(a.alarm) };
}
