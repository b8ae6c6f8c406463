/** The simulation runner: replayable runs, failure reports, bad options. */

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnavailableError } from '../../src/interface/errors.js';
import { lockScenario, SimulationFailure, simulate } from '../../src/testing/simulation/index.js';

describe('simulate', () => {
  it('two runs with one seed produce byte-identical traces; another seed another run', async () => {
    const run = (seed: number) => simulate({ seed, trace: true }, lockScenario());
    const [a, b, c] = [await run(1234), await run(1234), await run(1235)];
    expect(a.trace.length).toBeGreaterThan(100);
    expect(a.trace.join('\n')).toBe(b.trace.join('\n'));
    expect(a.scheduleText).toEqual(b.scheduleText);
    expect(a.steps).toBe(b.steps);
    expect(c.trace.join('\n')).not.toBe(a.trace.join('\n'));
    // The trace shows faults and the requests they touched.
    expect(a.trace.some((l) => / fault: /.test(l))).toBe(true);
    expect(a.trace.some((l) => / c\d (range|txn|put|deleteRange|leaseKeepAlive): /.test(l))).toBe(true);
  });

  it('a failure names the invariant, the seed and the schedule, and the seed replays it exactly', async () => {
    // An app that assumes the store is always reachable.
    const fragile = (sim: Parameters<Parameters<typeof simulate>[1]>[0]) => {
      let unreachable = 0;
      sim.actor('app', async (ctx) => {
        while (!ctx.signal.aborted) {
          await ctx.backend.put({ key: 'k', value: 'v' }).catch((e: unknown) => {
            if (e instanceof UnavailableError) unreachable++;
          });
          await ctx.sleep(200).catch(() => {});
        }
      });
      sim.invariant('the store is always reachable', () => {
        if (unreachable > 0) throw new Error(`${unreachable} writes found no store`);
      });
    };
    const options = { seed: 99, weights: { partition: 1 }, faults: 3 };
    const first = await simulate(options, fragile).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SimulationFailure);
    const failure = first as SimulationFailure;
    expect(failure.seed).toBe(99);
    expect(failure.message).toMatch(/invariant "the store is always reachable": 1 writes found no store/);
    expect(failure.message).toMatch(/seed: 99 — replay with simulate\(\{ \.\.\.options, seed: 99 \}\)/);
    expect(failure.message).toMatch(/fault schedule:\n\s+\d+\.\d{3} s {2}partition app for \d+\.\d{3} s/);
    const again = (await simulate(options, fragile).catch((e: unknown) => e)) as SimulationFailure;
    expect(again.message).toBe(failure.message);
    expect(again.at).toBe(failure.at);
  });

  it('an actor that throws something other than an etcd error fails the run', async () => {
    const error = await simulate({ seed: 1, faults: 0, durationMs: 5_000 }, (sim) => {
      sim.actor('buggy', async (ctx) => {
        await ctx.sleep(1_000);
        throw new TypeError('undefined is not a function');
      });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationFailure);
    expect((error as Error).message).toMatch(/at 1\.000 s: actor buggy threw: undefined is not a function/);
  });

  it('bad options are refused', async () => {
    await expect(simulate({ seed: 1.5 }, () => {})).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
