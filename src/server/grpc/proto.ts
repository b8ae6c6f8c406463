/**
 * etcd's protobuf messages and services, from the rpc.proto that the `etcd3` package ships (etcd's own
 * API definition, trimmed of its HTTP annotations), field names as in the proto (`range_end`,
 * `create_revision`), so the wire layer reads like etcd's Go code. The .proto is compiled ahead of time
 * into a JSON descriptor (scripts/generate-proto.mjs; a test keeps it in step with etcd3's), which
 * protobufjs/light loads without a parser: part of a fast start.
 */

import protobuf from 'protobufjs/light.js';
import { RPC_PROTO } from './rpc-proto.generated.js';

/** The loaded protobuf root. */
export const root: protobuf.Root = protobuf.Root.fromJSON(RPC_PROTO as protobuf.INamespace);

/** A message type of package etcdserverpb (or a fully qualified name). */
export function messageType(name: string): protobuf.Type {
  return root.lookupType(name.includes('.') ? name : `etcdserverpb.${name}`);
}

/** One RPC of etcd's API: service, method, message types and streaming kind. */
export interface RpcMethod {
  /** "KV", "Watch", "Lease", "Cluster", "Maintenance" or "Auth". */
  readonly service: string;
  readonly method: string;
  /** The HTTP/2 path gRPC uses: "/etcdserverpb.KV/Range". */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** Every RPC declared in rpc.proto, in declaration order. */
export function allMethods(): RpcMethod[] {
  const pkg = root.lookup('etcdserverpb') as protobuf.Namespace;
  const out: RpcMethod[] = [];
  for (const child of pkg.nestedArray) {
    if (!(child instanceof protobuf.Service)) continue;
    for (const m of child.methodsArray) {
      m.resolve();
      out.push({
        service: child.name,
        method: m.name,
        path: `/etcdserverpb.${child.name}/${m.name}`,
        requestType: m.resolvedRequestType!,
        responseType: m.resolvedResponseType!,
        requestStream: m.requestStream === true,
        responseStream: m.responseStream === true,
      });
    }
  }
  return out;
}
