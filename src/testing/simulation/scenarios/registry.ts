/**
 * Registry scenario: `instances` actors register one instance each of service "api"; some crash
 * (their client closes without deregistering) at a random time; an observer watches the service.
 * Invariants:
 * - after every step: a crashed instance is gone from the store within its TTL (+ 1 s of slack) of its
 *   crash, or of the server running again if it was stopped or down meanwhile;
 * - at the end (after the quiet period): the store and the observer's last snapshot hold exactly the
 *   live instances.
 */

import { ServiceRegistry } from '../../../recipes/service-registry.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError } from './app.js';

/** Options of {@link registryScenario}. */
export interface RegistryScenarioOptions {
  /** Number of instances (default 4). */
  instances?: number;
  /** Registration TTL in seconds (default 3). */
  ttl?: number;
}

const PREFIX = 'sim/services';

/** Set up the registry scenario on `sim`. */
export function registryScenario(options: RegistryScenarioOptions = {}): (sim: Simulation) => void {
  const instances = options.instances ?? 4;
  const ttl = options.ttl ?? 3;
  return (sim) => {
    const crashedAt = new Map<string, number>();
    let lastSeen: Set<string> | undefined;
    const registryOf = (ctx: ActorContext) =>
      new ServiceRegistry(ctx.backend, { prefix: PREFIX, ttl, retryMs: 500 });

    const instance = async (ctx: ActorContext): Promise<void> => {
      const registry = registryOf(ctx);
      // Some instances crash during the faulty part of the run; the others live to the end.
      const crashAt = ctx.random() < 0.4 ? Math.floor(ctx.random() * sim.faultsEndAt) : undefined;
      for (;;) {
        try {
          await registry.register('api', ctx.name, { at: ctx.name }, { signal: ctx.signal });
          break;
        } catch (error) {
          if (ctx.signal.aborted) return;
          if (!isFaultError(error)) throw error;
          await ctx.sleep(500);
        }
      }
      if (crashAt !== undefined && ctx.backend.clock.now() < sim.faultsEndAt) {
        await ctx.sleep(Math.max(0, crashAt - ctx.backend.clock.now())).catch(() => {});
        if (!ctx.signal.aborted) {
          ctx.log('crashes');
          crashedAt.set(ctx.name, ctx.backend.clock.now());
          await ctx.backend.close(); // no deregistration: the lease must expire
          return;
        }
      }
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await registry.close().catch(() => {});
    };
    for (let i = 1; i <= instances; i++) sim.actor(`i${i}`, instance);

    sim.actor('observer', async (ctx) => {
      const registry = registryOf(ctx);
      while (!ctx.signal.aborted) {
        try {
          for await (const snapshot of registry.watch('api', { signal: ctx.signal })) {
            lastSeen = new Set(snapshot.instances.keys());
          }
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
        }
        await ctx.sleep(500).catch(() => {});
      }
    });

    const registered = (): Set<string> =>
      new Set(
        sim.store
          .range({ key: `${PREFIX}/api/`, rangeEnd: `${PREFIX}/api0`, keysOnly: true })
          .kvs.map((kv) => new TextDecoder().decode(kv.key).slice(`${PREFIX}/api/`.length)),
      );
    // Leases do not run out while the server is stopped or down (and a restart renews them).
    let serverStoppedAt = Number.NEGATIVE_INFINITY;
    sim.invariant('a crashed instance is gone within its TTL', () => {
      const now = sim.clock.now();
      if (sim.store.faults.serverDown || sim.store.faults.serverFrozen) serverStoppedAt = now;
      if (crashedAt.size === 0) return;
      const overdue = [...crashedAt]
        .filter(([, at]) => now > Math.max(at, serverStoppedAt) + ttl * 1_000 + 1_000)
        .map(([name]) => name);
      if (overdue.length === 0) return;
      const still = registered();
      const stale = overdue.filter((name) => still.has(name));
      if (stale.length > 0)
        throw new Error(`${stale.join(', ')} still registered more than ${ttl} s after crashing`);
    });
    sim.atEnd('the registry converged to the live instances', async () => {
      const live = [...Array(instances).keys()].map((i) => `i${i + 1}`).filter((n) => !crashedAt.has(n));
      const expected = JSON.stringify(live.sort());
      const inStore = JSON.stringify([...registered()].sort());
      if (inStore !== expected)
        throw new Error(`the store holds ${inStore}, the live instances are ${expected}`);
      const seen = JSON.stringify([...(lastSeen ?? [])].sort());
      if (seen !== expected)
        throw new Error(`the observer last saw ${seen}, the live instances are ${expected}`);
    });
  };
}
