import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  EtcdError,
  GrpcStatus,
  LeaseNotFoundError,
  MessageTooLargeError,
  UnavailableError,
} from '../../src/interface/errors.js';

describe('error classes', () => {
  it('carry etcd message, gRPC code, stable code and class name', () => {
    const e = new EmptyKeyError();
    expect(e).toBeInstanceOf(EtcdError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('EmptyKeyError');
    expect(e.message).toBe('etcdserver: key is not provided');
    expect(e.grpcCode).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(e.code).toBe('ErrEmptyKey');
    expect(new LeaseNotFoundError().grpcCode).toBe(GrpcStatus.NOT_FOUND);
    expect(new DuplicateKeyError().message).toBe('etcdserver: duplicate key given in txn request');
  });

  it('keep the compact revision and transport sizes', () => {
    expect(new CompactedError(17).compactRevision).toBe(17);
    expect(new MessageTooLargeError(2097200, 2097152).message).toBe(
      'grpc: received message larger than max (2097200 vs. 2097152)',
    );
    expect(new UnavailableError('no endpoint').retryable).toBe(true);
  });
});
