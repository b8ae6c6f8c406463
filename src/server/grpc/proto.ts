/**
 * etcd's protobuf messages and services, from the rpc.proto that the `etcd3` package ships (etcd's own
 * API definition, trimmed of its HTTP annotations), field names as in the proto (`range_end`,
 * `create_revision`), so the wire layer reads like etcd's Go code. The .proto is compiled ahead of time
 * into a JSON descriptor (scripts/generate-proto.mjs; a test keeps it in step with etcd3's), which
 * protobufjs/light loads without a parser: part of a fast start.
 */

import protobuf from 'protobufjs/light.js';
import { CONCURRENCY_PROTO } from './concurrency-proto.js';
import { RPC_PROTO } from './rpc-proto.generated.js';

/** The loaded protobuf root: etcdserverpb (and mvccpb, authpb), then v3lockpb and v3electionpb. */
export const root: protobuf.Root = protobuf.Root.fromJSON(RPC_PROTO as protobuf.INamespace);
root.addJSON(CONCURRENCY_PROTO as unknown as Record<string, protobuf.AnyNestedObject>);

/** The packages whose services the server registers, in order. */
const PACKAGES = ['etcdserverpb', 'v3lockpb', 'v3electionpb'] as const;

/** A message type of package etcdserverpb (or a fully qualified name). */
export function messageType(name: string): protobuf.Type {
  return root.lookupType(name.includes('.') ? name : `etcdserverpb.${name}`);
}

/** One RPC of etcd's API: service, method, message types and streaming kind. */
export interface RpcMethod {
  /** "etcdserverpb", or "v3lockpb" and "v3electionpb" for the Lock and Election services. */
  readonly package: string;
  /** "KV", "Watch", "Lease", "Cluster", "Maintenance", "Auth", "Lock" or "Election". */
  readonly service: string;
  readonly method: string;
  /** The HTTP/2 path gRPC uses: "/etcdserverpb.KV/Range". */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** Every RPC of etcd's client API: rpc.proto's, then v3lock's and v3election's, in declaration order. */
export function allMethods(): RpcMethod[] {
  const out: RpcMethod[] = [];
  for (const name of PACKAGES) {
    const pkg = root.lookup(name) as protobuf.Namespace;
    for (const child of pkg.nestedArray) {
      if (!(child instanceof protobuf.Service)) continue;
      for (const m of child.methodsArray) {
        m.resolve();
        out.push({
          package: name,
          service: child.name,
          method: m.name,
          path: `/${name}.${child.name}/${m.name}`,
          requestType: m.resolvedRequestType!,
          responseType: m.resolvedResponseType!,
          requestStream: m.requestStream === true,
          responseStream: m.responseStream === true,
        });
      }
    }
  }
  return out;
}
