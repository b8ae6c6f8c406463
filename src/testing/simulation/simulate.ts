/**
 * `simulate()`: deterministic simulation of an app's clients against the memory store under a seeded
 * schedule of faults. The actors — the app's code, each on its own named client — run on a manual
 * clock; the runner moves the clock from timer to timer, starts and ends faults as scheduled, lets
 * every actor run between steps, and checks the app's invariants after every step. Nothing in the
 * simulated path reads the wall clock or Math.random, so a seed replays a run exactly: a failure
 * prints its seed and schedule, and `simulate({ ...options, seed })` runs it again.
 */

import { flushMicrotasks, ManualClock } from '../../clock/manual-clock.js';
import { AbortError, ClosedError, InvalidArgumentError } from '../../interface/errors.js';
import type { LinkTimingOptions } from '../../memory-backend/faults/timing.js';
import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import { MemoryStore } from '../../memory-backend/store.js';
import { endFault, startFault } from './apply-fault.js';
import { SimRandom } from './random.js';
import {
  DEFAULT_FAULT_WEIGHTS,
  describeSchedule,
  drawSchedule,
  type FaultKind,
  type ScheduledFault,
  seconds,
} from './schedule.js';

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /** The seed of everything random in the run (default: a fresh one, reported in the result). */
  seed?: number;
  /** Simulated time the actors run, in ms (default 60,000). */
  durationMs?: number;
  /** A last stretch without faults, in ms, for the system to settle before the end (default 10,000). */
  quietMs?: number;
  /** How many faults to schedule (default one per 6 s of faulty time). */
  faults?: number;
  /** Relative weights of the fault kinds (default {@link DEFAULT_FAULT_WEIGHTS}); 0 leaves a kind out. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Shortest and longest lasting fault, in ms (default 200 and 8,000). */
  minFaultMs?: number;
  maxFaultMs?: number;
  /** The store's minimum lease TTL in seconds (default 1). */
  minLeaseTtl?: number;
  /** Record every request a fault touched in the trace, besides faults and actors' lines (default false). */
  trace?: boolean;
  /** Simulated time allowed for actors to stop once the run is over, in ms (default 60,000). */
  stopMs?: number;
}

/** What an actor gets: its client, a stop signal, time and randomness of its own. */
export interface ActorContext {
  /** The actor's (and its client's) name. */
  readonly name: string;
  /** Its client; faults target it by `name`. */
  readonly backend: MemoryBackend;
  /** Aborted when the run is over: the actor should return. */
  readonly signal: AbortSignal;
  /** Wait `ms` on the client's clock (paused with the client); rejects with AbortError once the run is over. */
  sleep(ms: number): Promise<void>;
  /** A seeded number in [0, 1), from the actor's own stream. */
  random(): number;
  /** Add a line to the trace. */
  log(line: string): void;
}

/** The run being set up: clients, actors, invariants. */
export interface Simulation {
  readonly seed: number;
  /** Simulated time the actors run, in ms. */
  readonly durationMs: number;
  /** Every fault is over by this time (the quiet period follows). */
  readonly faultsEndAt: number;
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  /** A named client (made once per name); actors get theirs by name. */
  client(name: string, options?: LinkTimingOptions): MemoryBackend;
  /** Run `body` as an actor on the client `name`. An error it throws fails the run. */
  actor(name: string, body: (ctx: ActorContext) => Promise<void>, options?: LinkTimingOptions): void;
  /** Check `check` after every step (synchronously; read the store with `sim.store`'s methods). Throw to fail. */
  invariant(name: string, check: () => void): void;
  /** Check `check` at the end of the run, after the quiet period, before the actors stop. Throw to fail. */
  atEnd(name: string, check: () => Promise<void> | void): void;
  /** A seeded number in [0, 1), for the setup. */
  random(): number;
  /** Add a line to the trace. */
  log(line: string): void;
}

/** A finished run. */
export interface SimulationResult {
  readonly seed: number;
  readonly schedule: readonly ScheduledFault[];
  /** The schedule, one line per fault. */
  readonly scheduleText: readonly string[];
  /** Faults started and ended, actors' lines, and (with `trace`) requests faults touched. */
  readonly trace: readonly string[];
  /** Clock steps taken (each followed by an invariant check). */
  readonly steps: number;
}

/** A failed run: the seed and schedule to replay it, and the end of its trace. */
export class SimulationFailure extends Error {
  readonly seed: number;
  readonly schedule: readonly ScheduledFault[];
  readonly trace: readonly string[];
  /** Simulated time of the failure, in ms. */
  readonly at: number;

  constructor(
    what: string,
    cause: unknown,
    run: { seed: number; schedule: readonly ScheduledFault[]; trace: readonly string[]; at: number },
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      [
        `simulation failed at ${seconds(run.at)}: ${what}: ${reason}`,
        `seed: ${run.seed} — replay with simulate({ ...options, seed: ${run.seed} })`,
        'fault schedule:',
        ...describeSchedule(run.schedule).map((l) => `  ${l}`),
        'trace (last 40 lines):',
        ...run.trace.slice(-40).map((l) => `  ${l}`),
      ].join('\n'),
      { cause },
    );
    this.name = 'SimulationFailure';
    this.seed = run.seed;
    this.schedule = run.schedule;
    this.trace = run.trace;
    this.at = run.at;
  }
}

interface Actor {
  readonly name: string;
  readonly body: (ctx: ActorContext) => Promise<void>;
}

/** Run `setup`'s actors under a seeded fault schedule; see the module comment. */
export async function simulate(
  options: SimulationOptions,
  setup: (sim: Simulation) => void | Promise<void>,
): Promise<SimulationResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed))
    throw new InvalidArgumentError(`seed must be an integer, received ${seed}`);
  const durationMs = options.durationMs ?? 60_000;
  const quietMs = Math.min(options.quietMs ?? 10_000, durationMs);
  const rng = new SimRandom(seed);
  const scheduleRng = rng.fork('schedule');
  const clock = new ManualClock();
  const store = new MemoryStore({ clock, seed, minLeaseTtl: options.minLeaseTtl ?? 1 });
  const trace: string[] = [];
  const log = (line: string): void => {
    trace.push(`${clock.now()} ${line}`);
  };
  // Every client gets its fault link as it connects.
  const faults = store.faults;
  if (options.trace === true) faults.trace = (line) => trace.push(line);
  const faultsEndAt = Math.max(0, durationMs - quietMs);
  const clients = new Map<string, MemoryBackend>();
  const actors: Actor[] = [];
  const invariants: { name: string; check: () => void }[] = [];
  const endChecks: { name: string; check: () => Promise<void> | void }[] = [];
  const client = (name: string, timing?: LinkTimingOptions): MemoryBackend => {
    let c = clients.get(name);
    if (c === undefined) {
      c = store.connect({ ...timing, name });
      clients.set(name, c);
    }
    return c;
  };
  const sim: Simulation = {
    seed,
    durationMs,
    faultsEndAt,
    clock,
    store,
    client,
    actor: (name, body, timing) => {
      client(name, timing);
      actors.push({ name, body });
    },
    invariant: (name, check) => invariants.push({ name, check }),
    atEnd: (name, check) => endChecks.push({ name, check }),
    random: () => rng.next(),
    log,
  };

  let schedule: ScheduledFault[] = [];
  let failure: SimulationFailure | undefined;
  const fail = (what: string, cause: unknown): void => {
    failure ??= new SimulationFailure(what, cause, { seed, schedule, trace, at: clock.now() });
  };
  const stop = new AbortController();
  let steps = 0;
  try {
    await setup(sim);
    schedule = drawSchedule(scheduleRng, [...clients.keys()], {
      lastStartMs: faultsEndAt,
      endMs: faultsEndAt,
      count: options.faults ?? Math.floor(faultsEndAt / 6_000),
      weights: options.weights ?? DEFAULT_FAULT_WEIGHTS,
      minFaultMs: options.minFaultMs ?? 200,
      maxFaultMs: options.maxFaultMs ?? 8_000,
    });
    for (const fault of schedule) {
      clock.setTimeout(() => {
        try {
          log(`fault: ${startFault(store, fault)}`);
        } catch (error) {
          // A client that closed (an app that shut down) is out of reach of faults.
          if (error instanceof ClosedError)
            log(`fault skipped: ${fault.kind} ${fault.target}: client closed`);
          else fail(`starting fault ${fault.kind}`, error);
        }
      }, fault.at);
      if (fault.durationMs > 0) {
        clock.setTimeout(() => {
          try {
            const ended = endFault(store, fault);
            if (ended !== undefined) log(`fault over: ${ended}`);
          } catch (error) {
            if (!(error instanceof ClosedError)) fail(`ending fault ${fault.kind}`, error);
          }
        }, fault.at + fault.durationMs);
      }
    }

    const running = actors.map((actor) => {
      const backend = clients.get(actor.name)!;
      const own = rng.fork(`actor:${actor.name}`);
      const ctx: ActorContext = {
        name: actor.name,
        backend,
        signal: stop.signal,
        sleep: (ms) => sleepOn(backend, ms, stop.signal),
        random: () => own.next(),
        log: (line) => log(`${actor.name}: ${line}`),
      };
      return actor.body(ctx).then(
        () => undefined,
        (error: unknown) => {
          if (!(stop.signal.aborted && error instanceof AbortError)) fail(`actor ${actor.name} threw`, error);
        },
      );
    });
    const settled = Promise.all(running);
    let actorsDone = false;
    void settled.then(() => {
      actorsDone = true;
    });

    // The run: from timer to timer, invariants after each step.
    await flushMicrotasks();
    while (failure === undefined) {
      const next = clock.nextTimerAt;
      if (next === undefined || next > durationMs) break;
      clock.advance(Math.max(0, next - clock.now()));
      await flushMicrotasks();
      steps++;
      checkInvariants(invariants, fail);
    }
    if (clock.now() < durationMs) clock.advance(durationMs - clock.now());
    for (const { name, check } of endChecks) {
      if (failure !== undefined) break;
      await drive(clock, Promise.resolve().then(check)).catch((error: unknown) =>
        fail(`end check "${name}"`, error),
      );
    }

    // Over: stop the actors, end every fault, let the actors return.
    log('run over: actors stop');
    stop.abort();
    if (!faults.serverDown) faults.thaw({ abandoned: 'applied' });
    faults.clear();
    const stopBy = clock.now() + (options.stopMs ?? 60_000);
    await flushMicrotasks();
    while (!actorsDone && failure === undefined) {
      const next = clock.nextTimerAt;
      if (next === undefined || next > stopBy) {
        fail('stopping', new Error(`actors still running ${options.stopMs ?? 60_000} ms after the end`));
        break;
      }
      clock.advance(Math.max(0, next - clock.now()));
      await flushMicrotasks();
      checkInvariants(invariants, fail);
    }
  } catch (error) {
    fail('setup', error);
  } finally {
    stop.abort();
    await store.close();
  }
  if (failure !== undefined) throw failure;
  return { seed, schedule, scheduleText: describeSchedule(schedule), trace, steps };
}

function checkInvariants(
  invariants: readonly { name: string; check: () => void }[],
  fail: (what: string, cause: unknown) => void,
): void {
  for (const { name, check } of invariants) {
    try {
      check();
    } catch (error) {
      fail(`invariant "${name}"`, error);
      return;
    }
  }
}

/** Await `promise`, moving the clock from timer to timer meanwhile (at most 10 minutes of it). */
async function drive<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  await flushMicrotasks();
  const end = clock.now() + 600_000;
  while (!done) {
    const next = clock.nextTimerAt;
    if (next === undefined || next > end) break;
    clock.advance(Math.max(0, next - clock.now()));
    await flushMicrotasks();
  }
  return watched;
}

/** Sleep on `backend`'s clock; rejects with AbortError when `signal` aborts. */
function sleepOn(backend: MemoryBackend, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(new AbortError());
    };
    const timer = backend.clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
