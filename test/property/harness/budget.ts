/**
 * Property-test budgets and replay, from the environment:
 * - PROPERTY_RUNS: multiplies every test's default number of runs (e.g. 20 for a deep run; default 1).
 * - PROPERTY_OPS: maximum operations per sequence (default per test).
 * - PROPERTY_SEED / PROPERTY_PATH: replay one failure exactly as fast-check printed it.
 * - PROPERTY_TIMEOUT_MS: per-test timeout (default: scaled with PROPERTY_RUNS).
 */

import type * as fc from 'fast-check';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, received ${JSON.stringify(raw)}`);
  return n;
}

/** The run multiplier (PROPERTY_RUNS, default 1). */
export const runScale = envNumber('PROPERTY_RUNS') ?? 1;

/** `defaultRuns` scaled by PROPERTY_RUNS (at least 1). */
export function runs(defaultRuns: number): number {
  return Math.max(1, Math.round(defaultRuns * runScale));
}

/** Maximum operations per sequence: PROPERTY_OPS or the test's default. */
export function maxOps(defaultOps: number): number {
  return envNumber('PROPERTY_OPS') ?? defaultOps;
}

/** fast-check parameters: runs, seed/path replay, verbose failures (seed and path are always printed). */
export function fcParams<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = envNumber('PROPERTY_SEED');
  const path = process.env.PROPERTY_PATH;
  return {
    numRuns: runs(defaultRuns),
    verbose: 1,
    ...(seed === undefined ? {} : { seed }),
    ...(path ? { path, endOnFailure: true } : {}),
  };
}

/** A vitest timeout for a property test whose default budget takes about `defaultMs`. */
export function timeout(defaultMs: number): number {
  return envNumber('PROPERTY_TIMEOUT_MS') ?? Math.max(defaultMs, defaultMs * runScale * 1.5);
}
