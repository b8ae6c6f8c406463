/** The server's JSON descriptor of etcd's API is generated from etcd3's .proto files and kept in step. */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('src/server/grpc/rpc-proto.generated.ts is what scripts/generate-proto.mjs makes from etcd3 now', async () => {
  const { stderr } = await promisify(execFile)(process.execPath, ['scripts/generate-proto.mjs', '--check']);
  expect(stderr).toBe('');
});
