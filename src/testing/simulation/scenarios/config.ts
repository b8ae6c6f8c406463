/**
 * Config center scenario: a writer puts increasing numbers to one config key; `readers` actors follow it
 * with a {@link ConfigCenter}. Invariants:
 * - after every step: each reader's values only go up (nothing reordered or repeated);
 * - at the end: each reader holds the last value written, and between two values a reader got from its
 *   watch no value was skipped that the store applied (a reload after a compaction may skip, and says so).
 */

import { toText } from '../../../common/bytes.js';
import { ConfigCenter } from '../../../recipes/config-center.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError } from './app.js';

/** Options of {@link configScenario}. */
export interface ConfigScenarioOptions {
  /** Number of readers (default 3). */
  readers?: number;
}

const PREFIX = 'sim/config/';
const KEY = 'limit';

/** A value a reader saw, and whether a reload (not its watch) reported it. */
interface Seen {
  readonly value: number;
  readonly reload: boolean;
}

/** Set up the config center scenario on `sim`. */
export function configScenario(options: ConfigScenarioOptions = {}): (sim: Simulation) => void {
  const readers = options.readers ?? 3;
  return (sim) => {
    const seen = new Map<string, Seen[]>();
    const current = new Map<string, number>();

    sim.actor('writer', async (ctx) => {
      for (let n = 1; !ctx.signal.aborted; n++) {
        // The outcome does not matter: the next number comes either way, and the store's history says
        // which values were applied.
        await ctx.backend.put({ key: `${PREFIX}${KEY}`, value: String(n) }).catch((error: unknown) => {
          if (!isFaultError(error)) throw error;
        });
        await ctx.sleep(200 + Math.floor(ctx.random() * 800)).catch(() => {});
      }
    });

    const reader = async (ctx: ActorContext): Promise<void> => {
      const mine: Seen[] = [];
      seen.set(ctx.name, mine);
      let center: ConfigCenter<number> | undefined;
      while (center === undefined) {
        try {
          center = await ConfigCenter.open<number>(ctx.backend, {
            prefix: PREFIX,
            parse: (raw) => Number(toText(raw)),
            retryMs: 300,
            signal: ctx.signal,
          });
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (!isFaultError(error)) throw error;
          await ctx.sleep(300).catch(() => {});
        }
      }
      const initial = center.get(KEY);
      if (initial !== undefined) {
        mine.push({ value: initial, reload: true });
        current.set(ctx.name, initial);
      }
      center.onChange((change) => {
        if (change.key !== KEY || change.value === undefined) return;
        mine.push({ value: change.value, reload: change.reload });
        current.set(ctx.name, change.value);
      });
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await center.close();
    };
    for (let i = 1; i <= readers; i++) sim.actor(`r${i}`, reader);

    const counts = new Map<string, number>();
    sim.invariant('values only go up', () => {
      for (const [name, list] of seen) {
        const from = counts.get(name) ?? 0;
        if (list.length === from) continue;
        counts.set(name, list.length);
        for (let i = Math.max(1, from); i < list.length; i++) {
          if (list[i]!.value <= list[i - 1]!.value) {
            throw new Error(`${name} saw ${list[i]!.value} after ${list[i - 1]!.value}`);
          }
        }
      }
    });
    sim.atEnd('every reader followed every update', () => {
      // The values the store applied, in order, from its history.
      const applied: number[] = [];
      for (let rev = 2; rev <= sim.store.revision; rev++) {
        const kv = sim.store.range({ key: `${PREFIX}${KEY}`, revision: rev }).kvs[0];
        if (kv !== undefined && kv.modRevision === rev) applied.push(Number(toText(kv.value)));
      }
      const last = applied[applied.length - 1];
      for (const [name, list] of seen) {
        if (current.get(name) !== last)
          throw new Error(`${name} holds ${current.get(name)}, the store ${last}`);
        for (let i = 1; i < list.length; i++) {
          if (list[i]!.reload) continue;
          const skipped = applied.filter((v) => v > list[i - 1]!.value && v < list[i]!.value);
          if (skipped.length > 0) {
            throw new Error(
              `${name} missed ${skipped.join(', ')} between ${list[i - 1]!.value} and ${list[i]!.value}`,
            );
          }
        }
      }
    });
  };
}
