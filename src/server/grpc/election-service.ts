/**
 * v3electionpb.Election: Campaign, Proclaim, Leader, Observe and Resign onto the server's election
 * (../concurrency/election.ts). etcd runs these through an embedded client, whose errors reach the caller
 * as UNKNOWN with etcd's text (see viaEmbeddedClient).
 */

import {
  campaign,
  type LeaderKey,
  leader,
  MISSING_LEADER_KEY,
  observe,
  proclaim,
  resign,
} from '../concurrency/election.js';
import { fromBigint } from '../wire/int64.js';
import { bigintOf, bytesOf, keyValueOut, messageOf, numberOf, type WireMessage } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { caller, type ServiceHandlers, viaEmbeddedClient } from './handlers.js';

function leaderKeyIn(m: WireMessage): LeaderKey {
  const l = messageOf(m, 'leader');
  if (l === undefined) throw new Error(MISSING_LEADER_KEY);
  return {
    name: bytesOf(l, 'name'),
    key: bytesOf(l, 'key'),
    rev: numberOf(l, 'rev'),
    lease: bigintOf(l, 'lease'),
  };
}

function leaderKeyOut(l: LeaderKey): WireMessage {
  const out: WireMessage = { name: l.name, key: l.key };
  if (l.rev !== 0) out.rev = l.rev;
  if (l.lease !== 0n) out.lease = fromBigint(l.lease);
  return out;
}

/** The Election service's handlers; Campaign waits, so it always learns when its caller gives up. */
export function electionService(ctx: ServiceContext): ServiceHandlers {
  const h = ctx.headers;
  return {
    unary: {
      Campaign: viaEmbeddedClient(async (client, m, meta) => {
        const who = caller(ctx, client, meta);
        const r = await campaign(who, bytesOf(m, 'name'), bigintOf(m, 'lease'), bytesOf(m, 'value'));
        return { header: h.full(r.header), leader: leaderKeyOut(r.leader) };
      }),
      Proclaim: viaEmbeddedClient(async (client, m, meta) => ({
        header: h.full(await proclaim(caller(ctx, client, meta), leaderKeyIn(m), bytesOf(m, 'value'))),
      })),
      Leader: viaEmbeddedClient(async (client, m, meta) => {
        const r = await leader(caller(ctx, client, meta), bytesOf(m, 'name'));
        return { header: h.full(r.header), kv: keyValueOut(r.kv) };
      }),
      Resign: viaEmbeddedClient(async (client, m, meta) => ({
        header: h.full(await resign(caller(ctx, client, meta), leaderKeyIn(m))),
      })),
    },
    serverStream: {
      Observe: async function* (client, m, meta) {
        for await (const r of observe(caller(ctx, client, meta), bytesOf(m, 'name'))) {
          yield { header: h.full(r.header), kv: keyValueOut(r.kv) };
        }
      },
    },
    waits: new Set(['Campaign']),
  };
}
