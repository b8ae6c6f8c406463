/**
 * Timing for the report: tinybench, one call in flight, several interleaved rounds, median per task.
 * The machine is shared, so tasks that are compared run back to back in every round, in rotating order.
 */

import { Bench } from 'tinybench';

/** How long to time each task. */
export interface MeasureOptions {
  /** Milliseconds per task per round. */
  time: number;
  /** Rounds; each task's median round is kept. */
  rounds: number;
  /** Minimum calls per task per round (slow tasks still get this many). */
  iterations?: number;
}

/** One measured task: mean cost of one call. */
export interface Timing {
  /** Mean microseconds per call (median over rounds). */
  us: number;
  /** Calls per second, 1e6 / us. */
  opsPerSec: number;
  /** Calls timed over all rounds. */
  samples: number;
  /** Mean microseconds per call in each round, in round order. */
  rounds: number[];
}

/** Time every task in `tasks` (name → async call); tasks run one call at a time. */
export async function measure(
  tasks: Record<string, () => Promise<unknown>>,
  options: MeasureOptions,
): Promise<Record<string, Timing>> {
  const periods: Record<string, number[]> = {};
  const counts: Record<string, number> = {};
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.time,
      iterations: options.iterations ?? 10,
      // Warm up (JIT, connections) in the first round only; later rounds reuse the warm code.
      warmup: round === 0,
      warmupTime: Math.min(100, options.time),
      warmupIterations: 5,
      throws: true,
    });
    // async: true, or tinybench calls a plain function once, unawaited, to see whether it returns a
    // promise: that call would overlap the first timed one (fatal for a Mutex, which is not reentrant).
    // A full GC before each task, so that one task's garbage is not collected on another's time.
    // Rotate the order round by round, so that going first (or last) in a round favours no task.
    const entries = Object.entries(tasks);
    const rotated = entries.map((_, i) => entries[(i + round) % entries.length]!);
    for (const [name, fn] of rotated) bench.add(name, fn, { async: true, beforeAll: collect });
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`bench task ${task.name}: ${result.state}`);
      periods[task.name] ??= [];
      periods[task.name]!.push(result.period);
      counts[task.name] = (counts[task.name] ?? 0) + task.runs;
    }
  }
  const out: Record<string, Timing> = {};
  for (const [name, list] of Object.entries(periods)) {
    const us = median(list) * 1000;
    out[name] = { us, opsPerSec: 1e6 / us, samples: counts[name] ?? 0, rounds: list.map((ms) => ms * 1000) };
  }
  return out;
}

/**
 * How many times slower `a` is than `b`: the median of the per-round ratios, so that both sides of each
 * ratio saw the same background load.
 */
export function slowdown(a: Timing, b: Timing): number {
  return median(roundRatios(a, b));
}

/**
 * A distribution-free 95% confidence interval for the median of `xs`: the order statistics k and n+1−k,
 * with k the largest rank such that P(Binomial(n, ½) < k) ≤ 2.5%. Undefined below 6 values (no such k).
 */
export function medianInterval(xs: number[]): [number, number] | undefined {
  const n = xs.length;
  let k = 0;
  let below = 0; // P(Binomial(n, ½) ≤ k − 1), built up term by term
  let term = 0.5 ** n; // P(X = 0)
  for (let j = 0; j < n; j++) {
    if (below + term > 0.025) break;
    below += term;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  if (k === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return [s[k - 1]!, s[n - k]!];
}

/** The per-round ratios of `a` to `b` (how many times slower `a` is in each round). */
export function roundRatios(a: Timing, b: Timing): number[] {
  return a.rounds.map((x, i) => x / (b.rounds[i] ?? Number.NaN));
}

/** Run a full GC when node runs with --expose-gc. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
