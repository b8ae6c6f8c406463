/** Call lifecycle: an already-aborted signal applies nothing; a closed backend refuses every call. */

import { AbortError, ClosedError } from '../../../interface/errors.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects } from '../helpers.js';

export default defineCases('lifecycle', [
  {
    name: 'an already-aborted signal rejects with AbortError and applies nothing',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      const signal = AbortSignal.abort();
      await expectRejects(backend.put({ key: k('a'), value: 'v' }, { signal }), AbortError, {
        code: 'ErrAborted',
      });
      await expectRejects(backend.range({ key: k('a') }, { signal }), AbortError);
      await expectRejects(backend.deleteRange({ key: k('a') }, { signal }), AbortError);
      await expectRejects(
        backend.txn({ success: [{ requestPut: { key: k('t'), value: 'v' } }] }, { signal }),
        AbortError,
      );
      await expectRejects(backend.leaseGrant({ ttl: 60 }, { signal }), AbortError);
      expect(await currentRevision(backend)).toBe(r0);
      expect((await backend.range({ key: k('a') })).count).toBe(0);
      expect((await backend.range({ key: k('t') })).count).toBe(0);
    },
  },
  {
    name: 'after close every call rejects with ClosedError; closing twice is harmless',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'v' });
      await backend.close();
      await expectRejects(backend.put({ key: k('a'), value: 'v' }), ClosedError, { code: 'ErrClosed' });
      await expectRejects(backend.range({ key: k('a') }), ClosedError);
      await expectRejects(backend.txn({}), ClosedError);
      await expectRejects(backend.leaseGrant({ ttl: 60 }), ClosedError);
      await expectRejects(backend.status(), ClosedError);
      await backend.close();
    },
  },
]);
