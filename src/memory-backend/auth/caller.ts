/** Who makes a request, as etcd reads it, and the identity the auth store resolves it to. */

/**
 * A request's credentials: the auth token it carries (gRPC metadata `token`), and the common name of its
 * verified client certificate (used as the user name when there is no token, as etcd does with
 * --client-cert-auth). A client's `auth` option fills these in; the simulator server passes each call's.
 */
export interface RequestCredentials {
  readonly token?: string | undefined;
  readonly commonName?: string | undefined;
}

/**
 * etcd's AuthInfo: the user a request runs as, and the auth revision its permissions are checked at.
 * An empty `username` (revision 0) means the request named no user.
 */
export interface AuthInfo {
  readonly username: string;
  readonly revision: number;
}

/** The identity of a request that named no user while auth is on. */
export const NO_USER: AuthInfo = { username: '', revision: 0 };

/** etcd's text for a watch create refused with `error`: the gRPC status as Go prints it. */
export function grpcErrorText(codeName: string, message: string): string {
  return `rpc error: code = ${codeName} desc = ${message}`;
}
