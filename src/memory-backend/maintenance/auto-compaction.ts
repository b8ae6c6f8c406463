/**
 * etcd's auto-compaction (--auto-compaction-mode, --auto-compaction-retention), on the store's clock, with
 * etcd 3.4's rules (etcdserver/api/v3compactor):
 *
 * - **periodic** with retention P: every P/10 (at most 6 minutes) note the current revision, keeping the
 *   last P/(P/10)+1 notes; once P has passed since the start (later: min(P, 1 h) since the last success),
 *   compact at the oldest note — the revision of about P ago.
 * - **revision** with retention N: every 5 minutes, compact at current − N, unless that is ≤ 0 or the
 *   revision compacted last time.
 *
 * A compaction that finds the revision already compacted counts as done, as in etcd.
 */

import { describe } from '../../common/validate.js';
import type { Clock, ClockTimer } from '../../interface/clock.js';
import { CompactedError, InvalidArgumentError } from '../../interface/errors.js';

/** The two modes etcd knows. */
export type AutoCompactionMode = 'periodic' | 'revision';

/** Parsed settings: the retention is in ms for periodic, in revisions for revision mode. */
export interface AutoCompaction {
  readonly mode: AutoCompactionMode;
  readonly retention: number;
}

const HOUR_MS = 3_600_000;
const REVISION_INTERVAL_MS = 5 * 60_000;

const UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: HOUR_MS,
};

/** Go's time.ParseDuration, in ms; undefined when the text is not a duration. */
function goDurationMs(text: string): number | undefined {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (m === null) return text === '0' ? 0 : undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNITS_MS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

/**
 * etcd's parseCompactionRetention: a non-negative integer is hours (periodic) or revisions (revision);
 * anything else must be a Go duration ("30m", "1h30m") — which, in revision mode, etcd reads as that many
 * nanoseconds of revisions, and so does this. Undefined when disabled (retention 0).
 */
export function autoCompaction(mode: unknown, retention: unknown): AutoCompaction | undefined {
  const m = mode ?? 'periodic';
  if (m !== 'periodic' && m !== 'revision') {
    throw new InvalidArgumentError(`unknown auto-compaction-mode ${describe(m)} (periodic or revision)`);
  }
  if (retention === undefined) return undefined;
  const text = typeof retention === 'number' ? String(retention) : retention;
  if (typeof text !== 'string') {
    throw new InvalidArgumentError(
      `autoCompactionRetention must be a string or number, received ${describe(retention)}`,
    );
  }
  let value: number;
  if (/^\+?\d+$/.test(text)) {
    const n = Number(text);
    value = m === 'revision' ? n : n * HOUR_MS;
  } else {
    const ms = goDurationMs(text);
    if (ms === undefined) {
      throw new InvalidArgumentError(
        `error parsing CompactionRetention: time: invalid duration ${JSON.stringify(text)}`,
      );
    }
    value = m === 'revision' ? Math.round(ms * 1e6) : ms;
  }
  if (value === 0) return undefined;
  if (value < 0) {
    throw new InvalidArgumentError(
      `auto-compaction-retention must not be negative, received ${describe(retention)}`,
    );
  }
  return { mode: m, retention: value };
}

/** What the compactor needs from the store. */
export interface Compactable {
  /** The current revision. */
  readonly revision: number;
  /** Compact at `revision`; throws CompactedError when it is already compacted. */
  compact(revision: number): void;
}

/** A running auto-compactor; stop() cancels its timer. */
export class AutoCompactor {
  readonly #clock: Clock;
  readonly #target: Compactable;
  #timer: ClockTimer | undefined;
  #stopped = false;

  constructor(clock: Clock, settings: AutoCompaction, target: Compactable) {
    this.#clock = clock;
    this.#target = target;
    if (settings.mode === 'periodic') this.#periodic(settings.retention);
    else this.#revision(settings.retention);
  }

  /** Stop compacting. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #after(ms: number, then: () => void): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) then();
    }, ms);
  }

  /** Compact at `rev`; true when done (or already done). Other failures are retried by the loop. */
  #compact(rev: number): boolean {
    try {
      this.#target.compact(rev);
      return true;
    } catch (error) {
      return error instanceof CompactedError;
    }
  }

  #periodic(periodMs: number): void {
    // etcd computes in nanoseconds with integer division; so does this.
    const periodNs = Math.round(periodMs * 1e6);
    const capNs = Math.min(periodNs, HOUR_MS * 1e6);
    const retryNs = Math.floor(capNs / 10);
    const retentions = Math.floor(periodNs / retryNs) + 1;
    const retryMs = retryNs / 1e6;
    const revs: number[] = [];
    let lastSuccess = this.#clock.now();
    let baseMs = periodMs;
    const loop = (): void => {
      revs.push(this.#target.revision);
      if (revs.length > retentions) revs.shift();
      this.#after(retryMs, () => {
        if (this.#clock.now() - lastSuccess >= baseMs) {
          if (baseMs === periodMs) baseMs = capNs / 1e6;
          if (this.#compact(revs[0]!)) lastSuccess = this.#clock.now();
        }
        loop();
      });
    };
    loop();
  }

  #revision(retention: number): void {
    let prev = 0;
    const loop = (): void => {
      this.#after(REVISION_INTERVAL_MS, () => {
        const rev = this.#target.revision - retention;
        if (rev > 0 && rev !== prev && this.#compact(rev)) prev = rev;
        loop();
      });
    };
    loop();
  }
}
