/**
 * Between the model and a backend: resolve templates into model requests (keys under the sequence's
 * prefix, revisions relative to the model's current one), translate model requests into backend requests
 * (revision offset = the backend's baseline, model lease IDs → real ones) and normalize backend responses
 * back (the reverse, plus zeroing what etcd leaves unspecified: cluster/member IDs, raft term).
 */

import { prefixEnd } from '../../../src/common/bytes.js';
import type { ModelRequest, ModelState } from '../../../src/testing/model/index.js';
import { END } from './ops.js';

const REV_FIELDS = new Set([
  'revision',
  'minModRevision',
  'maxModRevision',
  'minCreateRevision',
  'maxCreateRevision',
  'modRevision',
  'createRevision',
  'startRevision',
]);

function mapTree(value: unknown, f: (key: string, v: unknown) => unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v) => mapTree(v, f));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = f(k, mapTree(v, f));
  return out;
}

/** A template (from ops.ts) as a concrete model request at `state`. */
export function resolve(template: ModelRequest, prefix: string, state: ModelState): ModelRequest {
  return mapTree(template, (k, v) => {
    if ((k === 'key' || k === 'rangeEnd') && typeof v === 'string') {
      if (v === '\0') return v;
      if (v === END) return prefixEnd(prefix);
      return prefix + v;
    }
    if (REV_FIELDS.has(k) && v !== null && typeof v === 'object' && 'back' in v) {
      return Math.max(1, state.revision - (v as { back: number }).back);
    }
    return v;
  }) as ModelRequest;
}

/** Revision offset and lease-ID mapping for one sequence on one backend. */
export class Mapper {
  readonly #toReal = new Map<bigint, bigint>();
  readonly #toModel = new Map<bigint, bigint>();

  /**
   * @param revOffset backend revision − model revision (the baseline minus 1).
   * @param leaseBase real ID of explicit model lease ID n is leaseBase + n (unique per sequence on a
   *   shared server).
   */
  constructor(
    readonly revOffset: number,
    readonly leaseBase: bigint,
  ) {}

  /** Record that model lease `model` is real lease `real`. */
  bind(model: bigint, real: bigint): void {
    this.#toReal.set(model, real);
    this.#toModel.set(real, model);
  }

  leaseToReal(id: bigint): bigint {
    if (id === 0n) return 0n;
    return this.#toReal.get(id) ?? this.leaseBase + id;
  }

  leaseToModel(id: bigint): bigint {
    if (id === 0n) return 0n;
    const known = this.#toModel.get(id);
    if (known !== undefined) return known;
    const d = id - this.leaseBase;
    return d > 0n ? d : id;
  }

  revToReal(rev: number): number {
    return rev > 0 ? rev + this.revOffset : rev;
  }

  revToModel(rev: number): number {
    return rev > 0 ? rev - this.revOffset : rev;
  }

  /** The backend request for a model request. */
  request<T>(request: T): T {
    return mapTree(request, (k, v) => {
      if ((REV_FIELDS.has(k) || k === 'revision') && typeof v === 'number') return this.revToReal(v);
      if ((k === 'lease' || k === 'id') && typeof v === 'bigint') return this.leaseToReal(v);
      return v;
    }) as T;
  }

  /** A backend response in model terms. */
  response<T>(response: T): T {
    return mapTree(response, (k, v) => {
      if (
        (k === 'revision' || k === 'createRevision' || k === 'modRevision' || k === 'compactRevision') &&
        typeof v === 'number'
      ) {
        return this.revToModel(v);
      }
      if ((k === 'lease' || k === 'id') && typeof v === 'bigint') return this.leaseToModel(v);
      if (k === 'clusterId' || k === 'memberId') return 0n;
      if (k === 'raftTerm') return 0;
      return v;
    }) as T;
  }
}

/** JSON with bigints and bytes made printable, for failure messages. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('latin1')}`;
    return v;
  });
}
