/**
 * etcd's "request timed out" and "leader changed" answers: a write that gets one was proposed and may
 * still be committed, so it is an UnknownOutcomeError (with etcd's error as the cause); a read keeps the
 * etcd error. The inputs are the gRPC statuses etcd sends (semantics §9); a leader change cannot be caused
 * on demand on a single-member server, so the mapping is checked directly.
 */

import { describe, expect, it } from 'vitest';
import { isTransportFailure, mapGrpcError } from '../../src/etcd-backend/errors.js';
import {
  NoPasswordUserError,
  PasswordTooLongError,
  PermissionDeniedError,
} from '../../src/interface/auth-errors.js';
import {
  ClusterNoLeaderError,
  GrpcStatus,
  LeaderChangedError,
  RequestTimeoutError,
  UnknownOutcomeError,
} from '../../src/interface/errors.js';

const answers = [
  { details: 'etcdserver: request timed out', cls: RequestTimeoutError },
  { details: 'etcdserver: leader changed', cls: LeaderChangedError },
] as const;

describe('unknown-outcome answers from etcd', () => {
  for (const { details, cls } of answers) {
    it(`"${details}" is UnknownOutcomeError for a write, caused by ${cls.name}`, () => {
      const raw = { code: GrpcStatus.UNAVAILABLE, details };
      const error = mapGrpcError(raw, { write: true });
      expect(error).toBeInstanceOf(UnknownOutcomeError);
      expect(error.message).toContain(details);
      expect(error.cause).toBeInstanceOf(cls);
      expect((error.cause as Error).cause).toBe(raw);
    });

    it(`"${details}" stays ${cls.name} for a read`, () => {
      const error = mapGrpcError({ code: GrpcStatus.UNAVAILABLE, details }, { write: false });
      expect(error).toBeInstanceOf(cls);
      expect(error.message).toBe(details);
    });
  }

  it('"etcdserver: no leader" stays ClusterNoLeaderError for a write (refused before it was proposed)', () => {
    const error = mapGrpcError(
      { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: no leader' },
      { write: true },
    );
    expect(error).toBeInstanceOf(ClusterNoLeaderError);
  });
});

describe("etcd's unmapped auth answers (status UNKNOWN)", () => {
  it('are answers, not transport failures: not retried, mapped to their classes', () => {
    const answers = [
      { details: 'auth: permission denied', cls: PermissionDeniedError },
      {
        details: 'auth: authentication failed, password was given for no password user',
        cls: NoPasswordUserError,
      },
      { details: 'bcrypt: password length exceeds 72 bytes', cls: PasswordTooLongError },
    ];
    for (const { details, cls } of answers) {
      const raw = { code: GrpcStatus.UNKNOWN, details };
      expect(isTransportFailure(raw), details).toBe(false);
      const error = mapGrpcError(raw, { write: false });
      expect(error, details).toBeInstanceOf(cls);
      expect(error.grpcCode).toBe(GrpcStatus.UNKNOWN);
    }
    expect(
      (
        mapGrpcError(
          { code: 2, details: 'auth: permission denied' },
          { write: false },
        ) as PermissionDeniedError
      ).unmapped,
    ).toBe(true);
    expect(isTransportFailure({ code: GrpcStatus.UNKNOWN, details: 'Connection dropped' })).toBe(true);
  });
});
