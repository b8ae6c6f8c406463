/** Maintenance.Status: the version string and the header revision. */

import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';

export default defineCases('status', [
  {
    name: 'status reports a semantic version and the current revision',
    async run({ backend, k, serverVersion, target }) {
      const before = await backend.status();
      expect(before.version).toMatch(/^3\.\d+\.\d+/);
      expect(before.version).toBe(serverVersion);
      if (target === 'etcd') expect(before.version).toMatch(/^3\.4\./); // CI installs 3.4.23
      expect(typeof before.dbSize).toBe('number');
      expect(before.dbSize).toBeGreaterThanOrEqual(0);
      expect(typeof before.leader).toBe('bigint');
      expect(typeof before.raftIndex).toBe('number');
      const put = await backend.put({ key: k('a'), value: 'v' });
      expect(put.header.revision).toBe(before.header.revision + 1);
      const after = await backend.status();
      expect(after.header.revision).toBe(put.header.revision);
      // Reads, lease grants and a no-op delete do not move it.
      await backend.range({ key: k('a') });
      const lease = await backend.leaseGrant({ ttl: 60 });
      await backend.deleteRange({ key: k('none') });
      expect((await backend.status()).header.revision).toBe(put.header.revision);
      await backend.leaseRevoke({ id: lease.id });
    },
  },
]);
