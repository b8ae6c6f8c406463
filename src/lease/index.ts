/** Lease helpers: the generic keepalive loop and its loss error. */
export { type LeaseLossReason, LeaseLostError } from './errors.js';
export { type KeepAlive, type KeepAliveOptions, keepAlive } from './keep-alive.js';
