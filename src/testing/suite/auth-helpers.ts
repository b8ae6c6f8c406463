/**
 * What the auth cases share: the case's auth context, users and roles named under the case's prefix, and
 * etcd's texts for refused watch creates.
 */

import type { AuthBackend, PermissionRequest } from '../../interface/auth.js';
import type { KvBackend } from '../../interface/backend.js';
import type { WatchCreateRequest, WatchResponse } from '../../interface/watch.js';
import type { AuthCaseContext, CaseContext } from '../conformance.js';
import { expect } from './expect.js';
import { Recorder } from './helpers.js';

/** A backend with the Auth API. */
export type AuthClient = KvBackend & AuthBackend;

/** The cancel reason of a watch create refused for lack of permission. */
export const WATCH_DENIED = 'rpc error: code = PermissionDenied desc = etcdserver: permission denied';
/** The cancel reason of a watch create that named no user. */
export const WATCH_NO_USER = 'rpc error: code = InvalidArgument desc = etcdserver: user name is empty';
/** The cancel reason of a watch create with an invalid token. */
export const WATCH_BAD_TOKEN = 'rpc error: code = Unauthenticated desc = etcdserver: invalid auth token';

/** The case's auth context; the auth cases run only on targets with auth on. */
export function authOf(ctx: CaseContext): AuthCaseContext {
  if (ctx.auth === undefined) {
    throw new Error(`target ${ctx.target} runs without auth: open it with { auth: true } for the auth cases`);
  }
  return ctx.auth;
}

/** A role named `suffix` under the case's prefix, holding `perms`; returns its name. */
export async function makeRole(
  ctx: CaseContext,
  suffix: string,
  perms: PermissionRequest[],
): Promise<string> {
  const { root } = authOf(ctx);
  const name = ctx.k(suffix);
  await root.roleAdd({ name });
  for (const perm of perms) await root.roleGrantPermission({ name, perm });
  return name;
}

/** A user named `suffix` under the case's prefix, with `roles`; returns its name and password. */
export async function makeUser(
  ctx: CaseContext,
  suffix: string,
  roles: string[],
  password = `pw-${suffix}`,
): Promise<{ name: string; password: string }> {
  const { root } = authOf(ctx);
  const name = ctx.k(suffix);
  await root.userAdd({ name, password });
  for (const role of roles) await root.userGrantRole({ user: name, role });
  return { name, password };
}

/** A client as `user` (authenticating with its password). */
export function clientAs(ctx: CaseContext, user: { name: string; password: string }): Promise<AuthClient> {
  return authOf(ctx).connect({ username: user.name, password: user.password });
}

/** The reply to one watch create on a fresh stream of `client`; the stream is closed after. */
export async function createReply(client: KvBackend, request: WatchCreateRequest): Promise<WatchResponse> {
  const stream = client.watchStream();
  const recorder = new Recorder<WatchResponse>(stream);
  try {
    stream.create(request);
    return await recorder.next();
  } finally {
    stream.close();
  }
}

/** Expect a watch create of `client` on `request` to be refused with `reason`. */
export async function expectWatchRefused(
  client: KvBackend,
  request: WatchCreateRequest,
  reason: string,
): Promise<void> {
  const reply = await createReply(client, request);
  expect(reply).toMatchObject({ watchId: -1, created: true, canceled: true, cancelReason: reason });
}

/** Expect a watch create of `client` on `request` to be accepted. */
export async function expectWatchCreated(client: KvBackend, request: WatchCreateRequest): Promise<void> {
  const reply = await createReply(client, request);
  expect(reply).toMatchObject({ created: true, canceled: false, cancelReason: '' });
}
