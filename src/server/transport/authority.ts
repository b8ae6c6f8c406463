/**
 * Which `:authority` (and `host`) values Node's HTTP/2 server accepts. nghttp2 checks every octet against
 * RFC 3986's authority characters and resets the stream with PROTOCOL_ERROR on any other; Go's HTTP/2
 * server (and so real etcd) does not, and Go's gRPC 1.2x client sends `http://127.0.0.1:2379` as the
 * authority when an endpoint is given with its scheme.
 */

/**
 * The octets nghttp2 1.61 (Node 20) allows: unreserved, sub-delims, ":", "@", "[", "]" and "%" — measured
 * by sending each of the 256 octets to a Node HTTP/2 server (test/server/authority.test.ts does it again).
 */
const ALLOWED = new Uint8Array(256);
for (const char of "-._~!$&'()*+,;=:@[]%") ALLOWED[char.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) ALLOWED[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) ALLOWED[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) ALLOWED[c] = 1;

/** Headers nghttp2 checks this way. */
export function isAuthorityHeader(name: string): boolean {
  return name === ':authority' || name === 'host';
}

/** Whether nghttp2 accepts `value` as an authority. */
export function isValidAuthority(value: Uint8Array): boolean {
  for (const octet of value) if (ALLOWED[octet] === 0) return false;
  return true;
}

/** Octet put in place of each octet nghttp2 refuses ("http://h:1" becomes "http:--h:1"). */
const REPLACEMENT = 0x2d; // "-"

/**
 * `value` with every octet nghttp2 refuses replaced by "-": the same length (so an HPACK table entry keeps
 * its size), or undefined when `value` is already accepted. grpc-js does not use the authority.
 */
export function sanitizeAuthority(value: Uint8Array): Buffer | undefined {
  if (isValidAuthority(value)) return undefined;
  return Buffer.from(value.map((octet) => (ALLOWED[octet] === 1 ? octet : REPLACEMENT)));
}
