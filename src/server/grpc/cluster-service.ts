/**
 * etcdserverpb.Cluster: MemberList of the one member this server is (cluster headers carry no revision).
 * Member changes answer as etcd does where its answer fits a single member — an unknown ID is "member not
 * found", removing the only voter fails for want of started members, promoting a voter is "can only
 * promote a learner member", bad peer URLs are refused — and otherwise with MemberChangeUnsupportedError
 * (UNIMPLEMENTED): the simulator has no peers to add or re-address. With auth on, member changes need the
 * role root (mapped errors, as etcd's cluster server checks them).
 */

import {
  MemberBadUrlsError,
  MemberChangeUnsupportedError,
  MemberNotFoundError,
  MemberNotLearnerError,
  NotEnoughStartedMembersError,
  PeerUrlExistsError,
} from '../../interface/errors.js';
import { fromBigintUnsigned } from '../wire/int64.js';
import { uint64In } from '../wire/maintenance.js';
import { listOf, type WireMessage } from '../wire/message.js';
import type { ServiceContext } from './context.js';
import { credentialsOf, type RequestMeta, type ServiceHandlers } from './handlers.js';

/** etcd's types.NewURLs: a non-empty list of http(s)/unix(s) URLs whose address is host:port, no path. */
function validPeerUrls(urls: readonly string[]): boolean {
  if (urls.length === 0) return false;
  return urls.every((raw) => {
    const m = /^(?:https?|unixs?):\/\/([^/?#]*)(.*)$/s.exec(raw.trim());
    if (m === null || m[2]!.startsWith('/')) return false;
    return /^(?:\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(m[1]!); // Go's net.SplitHostPort
  });
}

/** The Cluster service's handlers. */
export function clusterService(ctx: ServiceContext): ServiceHandlers {
  const self = ctx.store.memberId;
  const member = (): WireMessage => ({
    ID: fromBigintUnsigned(self),
    name: ctx.member.name,
    peerURLs: [...ctx.member.peerUrls],
    clientURLs: [...ctx.member.clientUrls],
  });
  const admin = (meta: RequestMeta): void => {
    const auth = ctx.store.auth;
    auth.checkAdmin(auth.identify(credentialsOf(meta)));
  };
  const known = (m: WireMessage): bigint => {
    const id = uint64In(m, 'ID');
    if (id !== self) throw new MemberNotFoundError();
    return id;
  };
  return {
    unary: {
      MemberList: async (_client, _m, meta) => {
        ctx.store.auth.requireUser(credentialsOf(meta));
        return { header: ctx.headers.cluster(ctx.store.raftTerm), members: [member()] };
      },
      MemberAdd: async (_client, m, meta) => {
        admin(meta);
        const urls = listOf<string>(m, 'peerURLs');
        if (!validPeerUrls(urls)) throw new MemberBadUrlsError();
        const ours = new Set(ctx.member.peerUrls.map((u) => new URL(u).href));
        if (urls.some((u) => ours.has(new URL(u.trim()).href))) throw new PeerUrlExistsError();
        throw new MemberChangeUnsupportedError('MemberAdd');
      },
      MemberRemove: async (_client, m, meta) => {
        admin(meta);
        known(m);
        throw new NotEnoughStartedMembersError();
      },
      MemberUpdate: async (_client, m, meta) => {
        admin(meta);
        known(m);
        throw new MemberChangeUnsupportedError('MemberUpdate');
      },
      MemberPromote: async (_client, m, meta) => {
        admin(meta);
        known(m);
        throw new MemberNotLearnerError();
      },
    },
  };
}
