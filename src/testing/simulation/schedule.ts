/**
 * A simulation's fault schedule: which fault hits which client when, and for how long, drawn from the
 * seed before the run starts — so a failing run prints it, and the same seed replays it.
 */

import type { SimRandom } from './random.js';

/** The kinds of fault a schedule draws from. */
export type FaultKind =
  | 'partition'
  | 'lostReply'
  | 'errors'
  | 'latency'
  | 'watchReset'
  | 'watchCancel'
  | 'expireLease'
  | 'holdKeepAlives'
  | 'pause'
  | 'restart'
  | 'freeze';

/** Every kind, with its default weight. */
export const DEFAULT_FAULT_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  partition: 3,
  lostReply: 2,
  errors: 2,
  latency: 2,
  watchReset: 1,
  watchCancel: 1,
  expireLease: 1,
  holdKeepAlives: 1,
  pause: 2,
  restart: 1,
  freeze: 1,
};

/** Kinds that last a while (and end with heal, resume, release, thaw, no latency, or the restart). */
const LASTING: ReadonlySet<FaultKind> = new Set([
  'partition',
  'latency',
  'holdKeepAlives',
  'pause',
  'restart',
  'freeze',
]);

/** Kinds that act on the whole server rather than one client. */
const SERVER: ReadonlySet<FaultKind> = new Set(['restart', 'freeze', 'expireLease']);

/** One scheduled fault. */
export interface ScheduledFault {
  /** Simulated time it starts, in ms. */
  readonly at: number;
  readonly kind: FaultKind;
  /** The client it targets (none for server faults). */
  readonly target: string | undefined;
  /** How long it lasts, in ms (0 for instantaneous faults). */
  readonly durationMs: number;
  /** A number drawn for the fault's details (error kind, count, latency). */
  readonly detail: number;
}

/** How to draw a schedule. */
export interface ScheduleOptions {
  /** Faults start in [0, lastStartMs] and end by endMs. */
  readonly lastStartMs: number;
  readonly endMs: number;
  readonly count: number;
  readonly weights: Readonly<Partial<Record<FaultKind, number>>>;
  /** Shortest and longest lasting fault, in ms. */
  readonly minFaultMs: number;
  readonly maxFaultMs: number;
}

/** Draw a schedule for clients `targets`, in start order. */
export function drawSchedule(
  rng: SimRandom,
  targets: readonly string[],
  options: ScheduleOptions,
): ScheduledFault[] {
  const kinds = (Object.keys(DEFAULT_FAULT_WEIGHTS) as FaultKind[]).filter(
    (k) => (options.weights[k] ?? 0) > 0 && (targets.length > 0 || SERVER.has(k)),
  );
  const total = kinds.reduce((sum, k) => sum + (options.weights[k] ?? 0), 0);
  const out: ScheduledFault[] = [];
  for (let i = 0; i < options.count && total > 0; i++) {
    let pick = rng.next() * total;
    let kind = kinds[kinds.length - 1]!;
    for (const k of kinds) {
      pick -= options.weights[k] ?? 0;
      if (pick < 0) {
        kind = k;
        break;
      }
    }
    const at = rng.int(0, options.lastStartMs);
    const target = SERVER.has(kind) ? undefined : rng.pick(targets);
    const lasting = LASTING.has(kind) ? rng.int(options.minFaultMs, options.maxFaultMs) : 0;
    const durationMs = Math.min(lasting, options.endMs - at);
    out.push({ at, kind, target, durationMs, detail: rng.next() });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** One line per fault: "12.345 s  partition w2 for 3.000 s". */
export function describeSchedule(schedule: readonly ScheduledFault[]): string[] {
  return schedule.map((f) => {
    const what = [f.kind, f.target].filter((x) => x !== undefined).join(' ');
    const how = f.durationMs > 0 ? ` for ${seconds(f.durationMs)}` : '';
    return `${seconds(f.at).padStart(10)}  ${what}${how}`;
  });
}

/** Milliseconds as "12.345 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
