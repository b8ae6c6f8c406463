/**
 * The conformance harness: each case is written once, against {@link KvBackend} only, and runs on every
 * target (the memory backend, a real etcd, or a third party's backend). The cases: {@link allCases}.
 */

import type { AuthBackend, AuthCredentials } from '../interface/auth.js';
import type { KvBackend } from '../interface/backend.js';
import { bindExpect, type ExpectFn } from './suite/expect.js';

/** What a case gets: a backend, a key prefix of its own, and time control. */
export interface CaseContext {
  /** The backend under test, fresh for the case (a new client, or a new store). */
  readonly backend: KvBackend;
  /** The target's name, e.g. "memory" or "etcd". */
  readonly target: string;
  /** A key prefix no other case uses, ending in "/". Shared servers need it; use it everywhere. */
  readonly prefix: string;
  /** `prefix + suffix`. */
  k(suffix: string): string;
  /**
   * Let `ms` of lease time pass: the manual clock on memory (instant), a real sleep on etcd. Expiry on a
   * real server can lag by up to ~1 s, so {@link CaseContext.waitFor} is the way to await its effect.
   */
  advanceTime(ms: number): Promise<void>;
  /** Re-check `check` (advancing time in steps) until it stops throwing or `timeoutMs` of time passes. */
  waitFor<T>(check: () => Promise<T>, timeoutMs?: number): Promise<T>;
  /** The minimum lease TTL (s) the target grants. */
  readonly minLeaseTtl: number;
  /** Server version from Status, e.g. "3.4.23" or the memory backend's. */
  readonly serverVersion: string;
  /** Interval of the target's periodic watch progress notifications, in ms (etcd's default: 10 min). */
  readonly progressNotifyIntervalMs: number;
  /** Present when the target runs with auth on (see {@link AuthCaseContext}); the auth cases need it. */
  readonly auth?: AuthCaseContext;
}

/**
 * What the auth cases get from a target that runs with auth on: the case's backend runs as root, and
 * more clients of the same server can be opened as any user. Users and roles a case makes are named
 * under its prefix.
 */
export interface AuthCaseContext {
  /** The case's backend (root) with the Auth API. */
  readonly root: KvBackend & AuthBackend;
  /** root's password on this target. */
  readonly rootPassword: string;
  /** Seconds an unused token lives on this target (etcd's --auth-token-ttl). */
  readonly tokenTtl: number;
  /**
   * A new client of the target: as a user (name and password: it authenticates, and again when its token
   * expires), with a token (used as is), or with no credentials. Closed when the case ends.
   */
  connect(credentials?: AuthCredentials): Promise<KvBackend & AuthBackend>;
}

/** One environment a target opens per case. */
export interface TargetCase {
  backend: KvBackend;
  /** Let `ms` of lease time pass on this target (a manual clock, or a real sleep). */
  advanceTime(ms: number): Promise<void>;
  /** Release what `openCase` made. */
  close(): Promise<void>;
  /** A new client of the same server with these credentials (targets with auth on). */
  connect?(credentials?: AuthCredentials): Promise<KvBackend & AuthBackend>;
}

/** A backend to run the suite on. */
export interface BackendTarget {
  /** Shown in every test name, e.g. "[memory]". */
  readonly name: string;
  /** Once per file, before any case (start a server). */
  setup?(): Promise<void>;
  /** Once per file, after every case (stop the server). */
  teardown?(): Promise<void>;
  /** A fresh backend for one case. */
  openCase(): Promise<TargetCase>;
  /** The minimum lease TTL the target grants, in seconds. */
  minLeaseTtl(): number;
  /**
   * The target's interval of periodic watch progress notifications, in ms (default: etcd's 10 minutes).
   * Cases about these notifications need a short one (the built-in targets use 1 s).
   */
  progressNotifyIntervalMs?(): number;
  /** The target's auth settings, when it runs with auth on (its cases' backends are root). */
  auth?(): { rootPassword: string; tokenTtl: number } | undefined;
}

/** A conformance case. */
export interface ConformanceCase {
  readonly name: string;
  /** Per-case timeout on real servers (ms); the harness default applies otherwise. */
  readonly timeoutMs?: number;
  /** The case's body: throws (a failed assertion) when the target does not behave as etcd does. */
  run(ctx: CaseContext): Promise<void>;
}

/** A named group of cases (one file in src/testing/suite/cases). */
export interface CaseGroup {
  readonly name: string;
  readonly cases: readonly ConformanceCase[];
}

/** Define a group of cases. */
export function defineCases(name: string, cases: ConformanceCase[]): CaseGroup {
  return { name, cases };
}

/** The test-runner functions the harness needs (vitest's, jest's, or any compatible runner's). */
export interface TestApi {
  /** The runner's `expect`: the shipped cases assert with it (see suite/expect.ts). */
  expect: ExpectFn;
  /** Group the tests that `body` registers under `name`. */
  describe(name: string, body: () => void): void;
  /** Register one test. */
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  /** Run `body` once before the tests of the enclosing group. */
  beforeAll(body: () => Promise<void>, timeoutMs?: number): void;
  /** Run `body` once after the tests of the enclosing group. */
  afterAll(body: () => Promise<void>, timeoutMs?: number): void;
}

let prefixCounter = 0;

/**
 * Register `groups` on `target` with the given test API. Each test is named "[target] group › case".
 */
export function runConformance(target: BackendTarget, groups: readonly CaseGroup[], api: TestApi): void {
  bindExpect(api.expect);
  api.describe(`[${target.name}]`, () => {
    api.beforeAll(async () => {
      await target.setup?.();
    }, 120_000);
    api.afterAll(async () => {
      await target.teardown?.();
    }, 60_000);
    for (const group of groups) {
      api.describe(group.name, () => {
        for (const c of group.cases) {
          api.it(
            c.name,
            async () => {
              const env = await target.openCase();
              const extra: KvBackend[] = [];
              try {
                const status = await env.backend.status();
                const prefix = `conf/${target.name}/${process.pid}-${++prefixCounter}-${Date.now().toString(36)}/`;
                const ctx: CaseContext = {
                  backend: env.backend,
                  target: target.name,
                  prefix,
                  k: (suffix) => prefix + suffix,
                  advanceTime: (ms) => env.advanceTime(ms),
                  waitFor: (check, timeoutMs = 5_000) => waitFor(env, check, timeoutMs),
                  minLeaseTtl: target.minLeaseTtl(),
                  serverVersion: status.version,
                  progressNotifyIntervalMs: target.progressNotifyIntervalMs?.() ?? 600_000,
                  ...authContext(target, env, extra),
                };
                bindExpect(api.expect); // per test too: two runConformance calls may pass different runners' expects
                await c.run(ctx);
              } finally {
                for (const b of extra) await b.close();
                await env.close();
              }
            },
            c.timeoutMs,
          );
        }
      });
    }
  });
}

/** The auth part of a case's context, when the target runs with auth on. */
function authContext(
  target: BackendTarget,
  env: TargetCase,
  opened: KvBackend[],
): { auth: AuthCaseContext } | Record<string, never> {
  const settings = target.auth?.();
  const connect = env.connect;
  if (settings === undefined || connect === undefined) return {};
  return {
    auth: {
      root: env.backend as KvBackend & AuthBackend,
      rootPassword: settings.rootPassword,
      tokenTtl: settings.tokenTtl,
      async connect(credentials) {
        const backend = await connect.call(env, credentials);
        opened.push(backend);
        return backend;
      },
    },
  };
}

async function waitFor<T>(env: TargetCase, check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const step = 50;
  let waited = 0;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (waited >= timeoutMs) throw error;
    }
    await env.advanceTime(step);
    waited += step;
  }
}
