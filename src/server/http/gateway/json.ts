/**
 * grpc-gateway's JSON mapping (jsonpb, as etcd 3.4 configures it: proto field names, no defaults), driven
 * by the protobuf reflection of etcd's messages:
 *
 * - out: int64 and uint64 as decimal strings, 32-bit numbers as numbers, bytes as standard base64, enums
 *   by name, zero values, empty lists and unset messages left out, fields in declaration order;
 * - in: a field by its proto name or its lowerCamel JSON name; int64 as a string or a number; bytes as
 *   standard base64; an enum by name or number; unknown fields ignored; `null` means unset.
 *
 * Decoded messages have the shape protobufjs's decoder gives (bytes as Uint8Array, int64 as Long, enums
 * as numbers, only the fields that were sent), so the gRPC handlers take them unchanged.
 */

import protobuf from 'protobufjs/light.js';
import { fromBigint, fromBigintUnsigned } from '../../wire/int64.js';
import type { WireMessage } from '../../wire/message.js';
import { checkValid, GoJsonSyntaxError } from './go-json.js';

/** A request body the gateway cannot decode; the message is what grpc-gateway would say. */
export class JsonDecodeError extends Error {}

interface LongLike {
  low: number;
  high: number;
}

function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v;
}

/** A Long's 64 bits, read signed or unsigned. */
function longValue(v: LongLike, unsigned: boolean): bigint {
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return unsigned ? bits : BigInt.asIntN(64, bits);
}
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/** etcd's enum value name for a value of etcd3's CamelCase proto (`NotEqual` → `NOT_EQUAL`). */
function etcdName(protoName: string): string {
  return protoName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Go's name of an enum type: `etcdserverpb.RangeRequest_SortOrder`. */
function goEnumName(e: protobuf.Enum): string {
  const parts: string[] = [e.name];
  let p = e.parent;
  while (p !== null && p instanceof protobuf.Type) {
    parts.unshift(p.name);
    p = p.parent;
  }
  const pkg = p?.fullName.replace(/^\./, '') ?? '';
  return `${pkg}.${parts.join('_')}`;
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function fieldType(f: protobuf.Field): protobuf.ReflectionObject | null {
  f.resolve();
  return f.resolvedType;
}

/**
 * `JSON.parse`, except that integers too long for a double (16 digits or more) come back as their exact
 * decimal text, as Go reads them into int64 fields (lease IDs are ~2^62).
 */
export function parseJson(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if ((c === '-' || (c >= '0' && c <= '9')) && !/[\w.]/.test(text[i - 1] ?? '')) {
      const m = /^-?\d+(?![\d.eE])/.exec(text.slice(i, i + 40));
      if (m !== null && m[0].replace('-', '').length >= 16) {
        out += `${text.slice(last, i)}"${m[0]}"`;
        last = i + m[0].length;
      }
      if (m !== null) i += m[0].length - 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

/** Go's base64.StdEncoding.DecodeString, with its error text. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(clean);
  if (bad !== null) throw new JsonDecodeError(`illegal base64 data at input byte ${bad.index}`);
  const pad = clean.indexOf('=');
  if (clean.length % 4 !== 0 || (pad !== -1 && (pad < clean.length - 2 || /[^=]/.test(clean.slice(pad))))) {
    const at = pad !== -1 ? pad : clean.length - (clean.length % 4);
    throw new JsonDecodeError(`illegal base64 data at input byte ${at}`);
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** One element of a []byte given as a JSON array, as encoding/json reads it into a uint8. */
function byteIn(v: unknown): number {
  if (typeof v !== 'number')
    throw new JsonDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go value of type uint8`);
  if (!Number.isInteger(v) || v < 0 || v > 255) {
    throw new JsonDecodeError(`json: cannot unmarshal number ${String(v)} into Go value of type uint8`);
  }
  return v;
}

function scalarIn(f: protobuf.Field, v: unknown): unknown {
  const t = f.type;
  if (t === 'bytes') {
    // encoding/json also reads a []byte from an array of numbers (etcd takes {"key": [1]} as "\x01").
    if (Array.isArray(v)) return new Uint8Array(v.map(byteIn));
    if (typeof v !== 'string')
      throw new JsonDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go value of type []uint8`);
    return decodeBase64(v);
  }
  if (t === 'string') {
    if (typeof v !== 'string')
      throw new JsonDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go value of type string`);
    return v;
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean')
      throw new JsonDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go value of type bool`);
    return v;
  }
  if (INT64.has(t) || INT32.has(t)) {
    // jsonpb strips the quotes of a quoted number and hands the rest to json.Unmarshal, as it does an
    // unquoted one: Go's texts follow from that.
    let text: string;
    if (typeof v === 'string') {
      // Go strips the quotes from the raw text, escapes and all; the raw text is gone here, so it is
      // re-escaped (the same but for escapes a client chose where none was needed, like \u0035).
      const raw = JSON.stringify(v).slice(1, -1);
      try {
        checkValid(raw);
      } catch (error) {
        if (error instanceof GoJsonSyntaxError) throw new JsonDecodeError(error.message);
        throw error;
      }
      text = raw.trim();
      const kind = { '"': 'string', '{': 'object', '[': 'array', t: 'bool', f: 'bool' }[text[0] ?? ''];
      if (text === 'null') return undefined;
      if (kind !== undefined)
        throw new JsonDecodeError(`json: cannot unmarshal ${kind} into Go value of type ${t}`);
    } else if (typeof v === 'number') {
      text = String(v);
    } else {
      throw new JsonDecodeError(`json: cannot unmarshal ${jsonType(v)} into Go value of type ${t}`);
    }
    const unsigned = t.startsWith('u') || t === 'fixed64' || t === 'fixed32';
    const bits = INT64.has(t) ? 64 : 32;
    const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
    const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
    const n = /^-?\d+$/.test(text) ? BigInt(text) : undefined;
    if (n === undefined || n < min || n > max) {
      throw new JsonDecodeError(`json: cannot unmarshal number ${text} into Go value of type ${t}`);
    }
    return INT64.has(t) ? (unsigned ? fromBigintUnsigned(n) : fromBigint(n)) : Number(n);
  }
  return v;
}

function valueIn(f: protobuf.Field, v: unknown): unknown {
  const resolved = fieldType(f);
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, v);
  if (resolved instanceof protobuf.Enum) {
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string') {
      for (const [name, n] of Object.entries(resolved.values)) if (etcdName(name) === v) return n;
      throw new JsonDecodeError(`unknown value ${JSON.stringify(v)} for enum ${goEnumName(resolved)}`);
    }
    throw new JsonDecodeError(`unknown value ${JSON.stringify(v)} for enum ${goEnumName(resolved)}`);
  }
  return scalarIn(f, v);
}

/** A message of `type` from parsed JSON. */
export function messageFromJson(type: protobuf.Type, json: unknown): WireMessage {
  if (json === null || json === undefined) return {};
  if (typeof json !== 'object' || Array.isArray(json)) {
    // jsonpb reads a message's fields through a map first.
    throw new JsonDecodeError(
      `json: cannot unmarshal ${jsonType(json)} into Go value of type map[string]json.RawMessage`,
    );
  }
  const out: WireMessage = {};
  const given = json as Record<string, unknown>;
  for (const f of type.fieldsArray) {
    const key = Object.hasOwn(given, f.name) ? f.name : lowerCamel(f.name);
    if (!Object.hasOwn(given, key)) continue;
    const v = given[key];
    if (v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v))
        throw new JsonDecodeError(
          `json: cannot unmarshal ${jsonType(v)} into Go value of type []json.RawMessage`,
        );
      out[f.name] = v.map((item) => valueIn(f, item));
    } else {
      const value = valueIn(f, v);
      if (value !== undefined) out[f.name] = value;
    }
  }
  return out;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isLong(v)) return v.low === 0 && v.high === 0;
  if (typeof v === 'bigint') return v === 0n;
  return false;
}

function int64Text(v: unknown, unsigned: boolean): string {
  if (isLong(v)) return longValue(v, unsigned).toString();
  if (typeof v === 'bigint') return (unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v)).toString();
  return String(v);
}

function valueOut(f: protobuf.Field, v: unknown): unknown {
  const resolved = fieldType(f);
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, v as WireMessage);
  if (resolved instanceof protobuf.Enum) {
    const name = resolved.valuesById[v as number];
    return name === undefined ? v : etcdName(name);
  }
  if (f.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (INT64.has(f.type)) return int64Text(v, f.type.startsWith('u') || f.type === 'fixed64');
  if (INT32.has(f.type)) return isLong(v) ? Number(longValue(v, f.type.startsWith('u'))) : Number(v);
  return v;
}

/** A message of `type` as jsonpb prints it. */
export function messageToJson(type: protobuf.Type, message: WireMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const v = message[f.name];
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[f.name] = v.map((item) => valueOut(f, item));
      continue;
    }
    const isMessage = fieldType(f) instanceof protobuf.Type;
    if (isMessage ? v === undefined || v === null : isZero(v)) continue;
    out[f.name] = valueOut(f, v);
  }
  return out;
}
