/** `serve`'s auth flags: etcd's names, checked like the others (a bad one is a FlagError: exit 2). */

import { describe, expect, it } from 'vitest';
import { FlagError } from '../../src/cli/flags.js';
import { serveOptions } from '../../src/cli/serve.js';

describe('serve --auth-token, --auth-token-ttl, --bcrypt-cost', () => {
  it('become the store options', () => {
    const options = serveOptions(['--auth-token', 'simple', '--auth-token-ttl', '5', '--bcrypt-cost=4']);
    expect(options.authTokenTtl).toBe(5);
    expect(options.bcryptCost).toBe(4);
    const defaults = serveOptions([]);
    expect(defaults.authTokenTtl).toBeUndefined();
    expect(defaults.bcryptCost).toBeUndefined();
  });

  it('refuse what the store cannot do', () => {
    expect(() => serveOptions(['--auth-token', 'jwt,pub-key=/nonexistent.pem'])).toThrow(/cannot read/);
    expect(() => serveOptions(['--auth-token', 'bogus'])).toThrow(FlagError);
    expect(() => serveOptions(['--auth-token', 'jwt,ttl'])).toThrow(FlagError);
    expect(() => serveOptions(['--auth-token-ttl', '0'])).toThrow(FlagError);
    expect(() => serveOptions(['--bcrypt-cost', '3'])).toThrow(/from 4 to 14/);
    expect(() => serveOptions(['--bcrypt-cost', '15'])).toThrow(FlagError);
  });
});
