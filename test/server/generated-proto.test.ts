/** The server's JSON descriptor of etcd's API is generated from etcd3's .proto files and kept in step. */

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import protobuf from 'protobufjs';
import { expect, it } from 'vitest';
import { RPC_PROTO } from '../../src/server/grpc/rpc-proto.generated.js';

it('src/server/grpc/rpc-proto.generated.ts is what scripts/generate-proto.mjs makes from etcd3 now', async () => {
  const { stderr } = await promisify(execFile)(process.execPath, ['scripts/generate-proto.mjs', '--check']);
  expect(stderr).toBe('');
});

it('it holds every message field, enum value and method of the .proto files (only options are dropped)', () => {
  const protoDir = join(dirname(createRequire(import.meta.url).resolve('etcd3')), '..', 'proto');
  const parsed = new protobuf.Root().loadSync(join(protoDir, 'rpc.proto'), { keepCase: true });
  const generated = protobuf.Root.fromJSON(RPC_PROTO as protobuf.INamespace);
  const shape = (root: protobuf.Root): string[] => {
    const out: string[] = [];
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const c of ns.nestedArray) {
        if (c instanceof protobuf.Type) {
          for (const f of c.fieldsArray)
            out.push(`${c.fullName}.${f.name} ${f.repeated ? 'repeated ' : ''}${f.type} = ${f.id}`);
        } else if (c instanceof protobuf.Enum) {
          for (const [name, id] of Object.entries(c.values)) out.push(`${c.fullName}.${name} = ${id}`);
        } else if (c instanceof protobuf.Service) {
          for (const m of c.methodsArray) {
            out.push(
              `${c.fullName}.${m.name}(${m.requestStream} ${m.requestType}) ${m.responseStream} ${m.responseType}`,
            );
          }
        }
        if (c instanceof protobuf.Namespace) walk(c);
      }
    };
    walk(root);
    return out.sort();
  };
  const expected = shape(parsed);
  expect(expected.length).toBeGreaterThan(300);
  expect(shape(generated)).toEqual(expected);
});
