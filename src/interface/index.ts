export type * from './auth.js';
export { isAuthBackend } from './auth.js';
export * from './auth-errors.js';
export type { CallOptions, KvBackend } from './backend.js';
export type { Clock, ClockTimer } from './clock.js';
export * from './errors.js';
export type * from './kv.js';
export type * from './lease.js';
export type * from './watch.js';
