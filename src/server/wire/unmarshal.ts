/**
 * Request decoding that follows the Unmarshal code gogo/protobuf generated for etcd 3.4's messages,
 * step by step: the same bytes are accepted, the same value is kept when a field repeats (last scalar
 * wins, a repeated message field merges, a oneof keeps the last member set), and a message that does
 * not decode fails at the same byte with the same text ("unexpected EOF", "proto: wrong wireType = 0
 * for field Key", "proto: RangeRequest: illegal tag 0 (wire type 0)", …), which grpc-go then wraps.
 *
 * One deliberate departure: etcd 3.4 panics (and exits) on a length prefix so large that adding it to
 * the read offset overflows int64. Here, as in etcd 3.5's generated code, that is "proto: negative
 * length found during unmarshaling".
 *
 * The result has the shape protobufjs gives (proto field names; a field present on the wire is an own
 * property, even when empty; int64 as a number when exact, else a Long), so the wire/ readers take it.
 */

import protobuf from 'protobufjs/light.js';
import { Long } from './int64.js';
import type { WireMessage } from './message.js';

/** A message that gogo's Unmarshal would refuse; `message` is its error text. */
export class UnmarshalError extends Error {}

const EOF = 'unexpected EOF';
const OVERFLOW = 'proto: integer overflow';
const NEGATIVE_LENGTH = 'proto: negative length found during unmarshaling';
/** 2^63 − 1: Go's int is 64 bits. */
const MAX_INT = 2n ** 63n - 1n;

/**
 * Fields of the etcd3 package's rpc.proto that etcd 3.4.23 does not have: 3.4 skips them as unknown
 * fields, whatever their wire type.
 */
const NOT_IN_ETCD_34 = new Set(['etcdserverpb.MemberListRequest.linearizable']);

type Scalar = 'int64' | 'uint64' | 'int32' | 'uint32' | 'bool' | 'enum' | 'bytes' | 'string' | 'message';

interface FieldPlan {
  readonly name: string;
  /** The Go field name gogo prints in "wrong wireType" errors. */
  readonly goName: string;
  readonly scalar: Scalar;
  readonly repeated: boolean;
  /** The other members of its oneof, cleared when this one is set. */
  readonly oneofSiblings: readonly string[];
  readonly type: protobuf.Type | undefined;
}

interface MessagePlan {
  /** The Go type name gogo prints in "illegal tag" errors. */
  readonly goName: string;
  readonly fields: ReadonlyMap<number, FieldPlan>;
}

const plans = new Map<protobuf.Type, MessagePlan>();

/** protoc-gen-go's CamelCase: "range_end" → "RangeEnd", "TTL" → "TTL", "_x" → "X_x". */
function goCamelCase(s: string): string {
  let out = '';
  let i = 0;
  if (s.startsWith('_')) {
    out = 'X';
    i = 1;
  }
  const lower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
  for (; i < s.length; i++) {
    let c = s[i]!;
    if (c === '_' && lower(s[i + 1])) continue;
    if (c >= '0' && c <= '9') {
      out += c;
      continue;
    }
    if (lower(c)) c = c.toUpperCase();
    out += c;
    while (lower(s[i + 1])) out += s[++i];
  }
  return out;
}

function goTypeName(type: protobuf.Type): string {
  const parent = type.parent;
  return parent instanceof protobuf.Type ? `${goTypeName(parent)}_${type.name}` : type.name;
}

const SCALARS: Record<string, Scalar> = {
  int64: 'int64',
  uint64: 'uint64',
  int32: 'int32',
  uint32: 'uint32',
  bool: 'bool',
  bytes: 'bytes',
  string: 'string',
};

function planFor(type: protobuf.Type): MessagePlan {
  let plan = plans.get(type);
  if (plan !== undefined) return plan;
  const fields = new Map<number, FieldPlan>();
  plan = { goName: goTypeName(type), fields };
  plans.set(type, plan); // before the fields: messages may nest themselves (TxnRequest)
  const typeName = type.fullName.replace(/^\./, '');
  for (const f of type.fieldsArray) {
    if (NOT_IN_ETCD_34.has(`${typeName}.${f.name}`)) continue;
    f.resolve();
    const resolved = f.resolvedType;
    let scalar: Scalar | undefined;
    if (resolved instanceof protobuf.Type) scalar = 'message';
    else if (resolved instanceof protobuf.Enum) scalar = 'enum';
    else scalar = SCALARS[f.type];
    if (scalar === undefined || f.map) {
      throw new Error(`unmarshal: ${typeName}.${f.name} has type ${f.type}, which etcd's API does not use`);
    }
    fields.set(f.id, {
      name: f.name,
      goName: goCamelCase(f.name),
      scalar,
      repeated: f.repeated,
      oneofSiblings: f.partOf ? f.partOf.oneof.filter((n) => n !== f.name) : [],
      type: resolved instanceof protobuf.Type ? resolved : undefined,
    });
  }
  for (const f of fields.values()) if (f.type !== undefined) planFor(f.type);
  return plan;
}

/** A decoder for `type`'s messages; it throws {@link UnmarshalError} with gogo's text. */
export function unmarshaller(type: protobuf.Type): (bytes: Uint8Array) => WireMessage {
  const plan = planFor(type);
  return (bytes) => {
    const reader = new Reader(bytes);
    const out: WireMessage = {};
    reader.message(plan, 0, bytes.length, out);
    return out;
  };
}

/** The walk over one request's bytes. Offsets are absolute; Go's are relative to each message's slice. */
class Reader {
  readonly #buf: Uint8Array;
  /** The last varint read, as two 32-bit halves. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  /** gogo's varint loop: the overflow check comes before the end-of-data check. */
  varint(pos: number, end: number): number {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift >= 64) throw new UnmarshalError(OVERFLOW);
      if (pos >= end) throw new UnmarshalError(EOF);
      const b = this.#buf[pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) break;
    }
    this.lo = lo;
    this.hi = hi;
    return pos;
  }

  /**
   * The end of a length-prefixed run that starts at `pos` (after the length just read), in a message
   * starting at `start` and ending at `end`: a negative length, or one that overflows Go's int when
   * added to the offset, is "negative length"; past the end is EOF.
   */
  #lengthEnd(pos: number, start: number, end: number): number {
    const hi = this.hi | 0;
    if (hi < 0) throw new UnmarshalError(NEGATIVE_LENGTH);
    if (hi === 0) {
      const after = pos + (this.lo >>> 0);
      if (after > end) throw new UnmarshalError(EOF);
      return after;
    }
    const length = (BigInt(hi) << 32n) | BigInt(this.lo >>> 0);
    if (BigInt(pos - start) + length > MAX_INT) throw new UnmarshalError(NEGATIVE_LENGTH);
    throw new UnmarshalError(EOF);
  }

  /** Decode the message in [start, end) into `out` (which may hold fields already: gogo merges). */
  message(plan: MessagePlan, start: number, end: number, out: WireMessage): void {
    let pos = start;
    while (pos < end) {
      const fieldStart = pos;
      pos = this.varint(pos, end);
      const wireType = this.lo & 7;
      // Go: fieldNum := int32(wire >> 3)
      const fieldNum = (this.lo >>> 3) | (this.hi << 29) | 0;
      if (wireType === 4) throw new UnmarshalError(`proto: ${plan.goName}: wiretype end group for non-group`);
      if (fieldNum <= 0) {
        const wire = (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
        throw new UnmarshalError(`proto: ${plan.goName}: illegal tag ${fieldNum} (wire type ${wire})`);
      }
      const field = plan.fields.get(fieldNum);
      pos =
        field === undefined
          ? this.#skip(fieldStart, start, end)
          : this.#field(field, wireType, pos, start, end, out);
    }
  }

  #field(f: FieldPlan, wireType: number, pos: number, start: number, end: number, out: WireMessage): number {
    const lengthDelimited = f.scalar === 'bytes' || f.scalar === 'string' || f.scalar === 'message';
    if (!lengthDelimited && f.repeated && wireType === 2) return this.#packed(f, pos, start, end, out);
    if (wireType !== (lengthDelimited ? 2 : 0)) {
      throw new UnmarshalError(`proto: wrong wireType = ${wireType} for field ${f.goName}`);
    }
    pos = this.varint(pos, end);
    let value: unknown;
    if (lengthDelimited) {
      const after = this.#lengthEnd(pos, start, end);
      if (f.scalar === 'message') {
        const existing = f.repeated || f.oneofSiblings.length > 0 ? undefined : out[f.name];
        const target = (existing ?? {}) as WireMessage;
        this.message(planFor(f.type!), pos, after, target);
        value = target;
      } else {
        const bytes = this.#buf.subarray(pos, after);
        value =
          f.scalar === 'string'
            ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
            : bytes;
      }
      pos = after;
    } else {
      value = this.#scalar(f.scalar);
    }
    this.#set(f, out, value);
    return pos;
  }

  /** A packed repeated varint field. As in gogo, each element is read up to the message end. */
  #packed(f: FieldPlan, pos: number, start: number, end: number, out: WireMessage): number {
    pos = this.varint(pos, end);
    const after = this.#lengthEnd(pos, start, end);
    while (pos < after) {
      pos = this.varint(pos, end);
      this.#set(f, out, this.#scalar(f.scalar));
    }
    return pos;
  }

  #scalar(scalar: Scalar): unknown {
    const lo = this.lo;
    const hi = this.hi;
    switch (scalar) {
      case 'bool':
        return (lo | hi) !== 0;
      case 'int32':
      case 'enum':
        return lo | 0;
      case 'uint32':
        return lo >>> 0;
      case 'int64': {
        // Exact whenever the result is a safe integer; an unsafe one stays unsafe after rounding.
        const n = (hi | 0) * 4294967296 + (lo >>> 0);
        return Number.isSafeInteger(n) ? n : new Long(lo, hi, false);
      }
      default: {
        const n = (hi >>> 0) * 4294967296 + (lo >>> 0);
        return Number.isSafeInteger(n) ? n : new Long(lo, hi, true);
      }
    }
  }

  #set(f: FieldPlan, out: WireMessage, value: unknown): void {
    if (f.repeated) {
      const list = out[f.name];
      if (Array.isArray(list)) list.push(value);
      else out[f.name] = [value];
      return;
    }
    for (const sibling of f.oneofSiblings) delete out[sibling];
    out[f.name] = value;
  }

  /**
   * Skip an unknown field starting at its tag, as etcd 3.4's skipRpc does (groups included: a group
   * ends at the first end-group tag at its depth, whatever its number). Returns the offset after it.
   * skipRpc recurses into groups on sub-slices, so inside a group a length overflows Go's int against
   * the innermost group's start (where 3.4 panics; a huge but valid length just ends in EOF at the
   * next read), and at the top level against the message start (the caller adds the offset).
   */
  #skip(pos: number, start: number, end: number): number {
    const groups: number[] = [];
    for (;;) {
      const tagStart = pos;
      pos = this.varint(pos, end);
      const wireType = this.lo & 7;
      switch (wireType) {
        case 0:
          pos = this.varint(pos, end);
          break;
        case 1:
          pos += 8;
          break;
        case 2: {
          pos = this.varint(pos, end);
          const hi = this.hi | 0;
          if (hi < 0) throw new UnmarshalError(NEGATIVE_LENGTH);
          if (hi === 0) pos += this.lo >>> 0;
          else {
            const length = (BigInt(hi) << 32n) | BigInt(this.lo >>> 0);
            const base = groups.at(-1) ?? start;
            if (BigInt(pos - base) + length > MAX_INT) throw new UnmarshalError(NEGATIVE_LENGTH);
            pos = end + 1; // past the end: the next read, or the check below, says EOF
          }
          break;
        }
        case 3:
          groups.push(tagStart);
          break;
        case 4:
          groups.pop();
          break;
        case 5:
          pos += 4;
          break;
        default:
          throw new UnmarshalError(`proto: illegal wireType ${wireType}`);
      }
      if (groups.length === 0) {
        if (pos > end) throw new UnmarshalError(EOF);
        return pos;
      }
    }
  }
}
