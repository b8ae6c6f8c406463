/**
 * The Maintenance RPCs for EtcdBackend, through etcd3's MaintenanceClient on the backend's pool (same
 * failover, deadlines and error mapping as every other call). Maintenance is per member and ignores the
 * backend's namespace. Enums go out as numbers: etcd3's proto spells them in CamelCase and would send an
 * unknown name as 0.
 */

import type { MaintenanceClient } from 'etcd3';
import { describe, intArg, requestArg } from '../common/validate.js';
import type { CallOptions } from '../interface/backend.js';
import { AbortError, InvalidArgumentError } from '../interface/errors.js';
import type { StatusResponse } from '../interface/kv.js';
import type {
  AlarmMember,
  AlarmRequest,
  AlarmResponse,
  AlarmType,
  DefragmentResponse,
  HashKvRequest,
  HashKvResponse,
  HashResponse,
  MoveLeaderRequest,
  MoveLeaderResponse,
} from '../interface/maintenance.js';
import { decodeHeader, type Wire } from './decode.js';
import { mapGrpcError, type RawGrpcError } from './errors.js';
import { cancelCall, type GrpcModule } from './grpc.js';
import { toBigInt, toSafeNumber } from './numbers.js';
import type { EndpointPool, PoolCallOptions } from './pool.js';

const ACTIONS: Record<string, number> = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 };
const ALARMS: Record<string, number> = { NONE: 0, NOSPACE: 1, CORRUPT: 2 };
/** etcd3's proto names (CamelCase) → etcd's. */
const ALARM_NAMES: Record<string, AlarmType> = { None: 'NONE', Nospace: 'NOSPACE', Corrupt: 'CORRUPT' };

function uint64(name: string, value: unknown): string {
  if (value === undefined) return '0';
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) return value.toString();
  throw new InvalidArgumentError(`${name} must be a bigint in uint64 range, received ${describe(value)}`);
}

function alarmOut(a: unknown): number {
  if (a === undefined) return 0;
  if (typeof a === 'string' && a in ALARMS) return ALARMS[a]!;
  if (typeof a === 'number' && Number.isInteger(a) && a >= 0 && a <= 0x7fffffff) return a;
  throw new InvalidArgumentError(
    `alarm must be NONE, NOSPACE, CORRUPT or an enum number, received ${describe(a)}`,
  );
}

function alarmIn(a: Wire): AlarmType {
  if (typeof a === 'number') return (['NONE', 'NOSPACE', 'CORRUPT'] as const)[a] ?? a;
  return ALARM_NAMES[String(a)] ?? Number(a);
}

/** Status with every field, from etcd3's decoded StatusResponse. */
export function decodeStatus(res: Wire): StatusResponse {
  return {
    header: decodeHeader(res.header),
    version: String(res.version),
    dbSize: toSafeNumber('dbSize', res.dbSize),
    leader: toBigInt(res.leader),
    raftIndex: toSafeNumber('raftIndex', res.raftIndex),
    raftTerm: toSafeNumber('raftTerm', res.raftTerm),
    raftAppliedIndex: toSafeNumber('raftAppliedIndex', res.raftAppliedIndex),
    dbSizeInUse: toSafeNumber('dbSizeInUse', res.dbSizeInUse),
    errors: ((res.errors ?? []) as unknown[]).map(String),
    isLearner: res.isLearner === true,
  };
}

/** The maintenance calls of one EtcdBackend. */
export class EtcdMaintenance {
  readonly #pool: EndpointPool;
  readonly #client: MaintenanceClient;
  readonly #opts: (write: boolean, options: CallOptions | undefined) => PoolCallOptions;

  constructor(
    pool: EndpointPool,
    client: MaintenanceClient,
    opts: (write: boolean, options: CallOptions | undefined) => PoolCallOptions,
  ) {
    this.#pool = pool;
    this.#client = client;
    this.#opts = opts;
  }

  async alarm(request: AlarmRequest, options?: CallOptions): Promise<AlarmResponse> {
    const r = requestArg('alarm request', request);
    const action = ACTIONS[r.action as string];
    if (action === undefined) {
      // Never sent: etcd 3.4.23 crashes on an unknown action.
      throw new InvalidArgumentError(
        `alarm action must be GET, ACTIVATE or DEACTIVATE, received ${describe(r.action)}`,
      );
    }
    const msg = { action, memberID: uint64('memberId', r.memberId), alarm: alarmOut(r.alarm) };
    const res: Wire = await this.#client.alarm(msg as never, this.#opts(action !== 0, options));
    const alarms: AlarmMember[] = ((res.alarms ?? []) as Wire[]).map((a) => ({
      memberId: toBigInt(a.memberID),
      alarm: alarmIn(a.alarm),
    }));
    return { alarms };
  }

  async hash(options?: CallOptions): Promise<HashResponse> {
    const res: Wire = await this.#client.hash(this.#opts(false, options));
    return { header: decodeHeader(res.header), hash: Number(res.hash ?? 0) };
  }

  async hashKv(request: HashKvRequest = {}, options?: CallOptions): Promise<HashKvResponse> {
    const revision = intArg('revision', requestArg('hashKV request', request).revision);
    // etcd3's MaintenanceClient.hashKV names a method grpc-js spells `hashKv`: call it directly.
    const res: Wire = await this.#pool.exec(
      'Maintenance',
      'hashKv',
      { revision },
      this.#opts(false, options),
    );
    return {
      header: decodeHeader(res.header),
      hash: Number(res.hash ?? 0),
      compactRevision: toSafeNumber('compact_revision', res.compact_revision),
    };
  }

  async defragment(options?: CallOptions): Promise<DefragmentResponse> {
    await this.#client.defragment(this.#opts(true, options));
    return {};
  }

  async moveLeader(request: MoveLeaderRequest, options?: CallOptions): Promise<MoveLeaderResponse> {
    const r = requestArg('moveLeader request', request);
    const msg = { targetID: uint64('targetId', r.targetId) };
    await this.#client.moveLeader(msg as never, this.#opts(true, options));
    return {};
  }

  /** The Snapshot stream's blobs (data, then its SHA-256), from the endpoint the pool is connected to. */
  async *snapshot(options?: CallOptions): AsyncGenerator<Uint8Array> {
    const signal = options?.signal;
    if (signal?.aborted) throw new AbortError();
    const call = await this.#pool.withConnection('Maintenance', ({ client, metadata }) => {
      const c = client as unknown as {
        snapshot(req: object, md: GrpcModule.Metadata): GrpcModule.ClientReadableStream<Wire>;
      };
      return c.snapshot({}, metadata);
    });
    const onAbort = (): void => cancelCall(call);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<Wire>) {
        const blob = message.blob;
        yield blob instanceof Uint8Array ? blob : new Uint8Array(0);
      }
    } catch (error) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: error });
      throw mapGrpcError(error as RawGrpcError, { write: false });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cancelCall(call);
    }
  }
}
