/**
 * Election scenario: `clients` candidates campaign; the leader appends `term:name` entries with writes
 * guarded by its leadership compare, and sometimes resigns. Invariants:
 * - after every step: no term has guarded writes from two candidates, and acknowledged writes never go
 *   back to an earlier term;
 * - at the end, over the whole history of the log key: the same, for every write that was applied.
 */

import { toText } from '../../../common/bytes.js';
import { UnknownOutcomeError } from '../../../interface/errors.js';
import { Election } from '../../../recipes/election.js';
import { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError } from './app.js';

/** Options of {@link electionScenario}. */
export interface ElectionScenarioOptions {
  /** Number of candidates (default 4). */
  clients?: number;
  /** Session TTL in seconds (default 5). */
  ttl?: number;
}

const LOG = 'sim/leader-log';

/** One guarded write: which term, by whom. */
interface Entry {
  readonly term: number;
  readonly name: string;
}

/** Check that every term belongs to one candidate and terms never go down, in write order. */
function checkEntries(entries: readonly Entry[]): void {
  const owner = new Map<number, string>();
  let last = 0;
  for (const e of entries) {
    const was = owner.get(e.term);
    if (was !== undefined && was !== e.name)
      throw new Error(`term ${e.term} has writes from ${was} and ${e.name}`);
    owner.set(e.term, e.name);
    if (e.term < last) throw new Error(`a write of term ${e.term} came after one of term ${last}`);
    last = e.term;
  }
}

/** Set up the election scenario on `sim`. */
export function electionScenario(options: ElectionScenarioOptions = {}): (sim: Simulation) => void {
  const clients = options.clients ?? 4;
  const ttl = options.ttl ?? 5;
  return (sim) => {
    /** Acknowledged guarded writes, by the revision they were applied at. */
    const acked: (Entry & { revision: number })[] = [];

    const actor = async (ctx: ActorContext): Promise<void> => {
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          if (session === undefined || !session.alive) {
            void session?.close().catch(() => {});
            session = undefined;
            session = await Session.create(ctx.backend, { ttl, signal: ctx.signal });
          }
          const election = new Election(session, 'sim/election');
          await election.campaign(ctx.name, { signal: ctx.signal });
          const term = election.rev;
          for (let i = 0; i < 5 && session.alive && !ctx.signal.aborted; i++) {
            const entry = `${term}:${ctx.name}`;
            try {
              const r = await ctx.backend.txn({
                compare: [election.isLeader()],
                success: [{ requestPut: { key: LOG, value: entry } }],
              });
              if (!r.succeeded) break; // no longer the leader
              acked.push({ term, name: ctx.name, revision: r.header.revision });
            } catch (error) {
              if (!(error instanceof UnknownOutcomeError)) throw error;
            }
            await ctx.sleep(200 + Math.floor(ctx.random() * 600));
          }
          await election.resign().catch(() => {});
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
        }
        await ctx.sleep(500 + Math.floor(ctx.random() * 1_500)).catch(() => {});
      }
      await session?.close().catch(() => {});
    };
    for (let i = 1; i <= clients; i++) sim.actor(`e${i}`, actor);

    let checked = 0;
    sim.invariant('one leader per term', () => {
      if (acked.length === checked) return;
      checked = acked.length;
      checkEntries([...acked].sort((a, b) => a.revision - b.revision));
    });
    sim.atEnd('one leader per term, over the whole history', () => {
      const entries: Entry[] = [];
      for (let rev = 2; rev <= sim.store.revision; rev++) {
        const kv = sim.store.range({ key: LOG, revision: rev }).kvs[0];
        if (kv === undefined || kv.modRevision !== rev) continue;
        const [term, name] = toText(kv.value).split(':');
        entries.push({ term: Number(term), name: name! });
      }
      if (entries.length === 0) throw new Error('no leader wrote anything in the whole run');
      checkEntries(entries);
    });
  };
}
