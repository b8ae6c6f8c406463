/**
 * The fault control API of the simulator server: HTTP JSON under `/faults/v1/` on the client port,
 * enabled by `serve --fault-api` (startServer({ faultApi: true })), answered to loopback peers only.
 * Each route is one call of the store's fault controller (`store.faults`), with the same arguments as
 * JSON; clients are targeted by connection name (see connections.ts). Errors answer
 * `{"error":{"code","message"}}`: 400 bad input (or a fault that cannot apply now, such as a restart
 * while down), 403 a peer that is not loopback, 404 an unknown route or lease, 405 a wrong method, 409
 * a closed client or a clock move on the real clock.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ManualClock } from '../../clock/manual-clock.js';
import { describe } from '../../common/validate.js';
import {
  ClosedError,
  type EtcdError,
  InvalidArgumentError,
  LeaseNotFoundError,
} from '../../interface/errors.js';
import type { StoreFaults } from '../../memory-backend/faults/store-faults.js';
import type { MemoryStore } from '../../memory-backend/store.js';
import type { ConnectionRegistry } from '../connections.js';

/** The path prefix of every route. */
export const FAULT_API_PREFIX = '/faults/v1/';

/** Largest request body accepted, in bytes. */
const MAX_BODY = 64 * 1024;

type Body = Record<string, unknown>;
/** A route: its answer, or undefined for `{"ok":true}`. */
type Route = (body: Body) => unknown | Promise<unknown>;

/** True for a loopback peer address. */
function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

async function readBody(req: IncomingMessage): Promise<Body> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new InvalidArgumentError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`the body must be a JSON object, received ${describe(text)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`the body must be a JSON object, received ${describe(parsed)}`);
  }
  return parsed as Body;
}

/** A lease ID given as a decimal or 0x-hex string (int64 does not fit a JSON number), or a safe integer. */
function leaseIdArg(value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^(-?\d+|0x[0-9a-fA-F]+)$/.test(value)) return BigInt(value);
  throw new InvalidArgumentError(
    `id must be a lease ID as a decimal or 0x-hex string, received ${describe(value)}`,
  );
}

/** The routes, by "METHOD path-after-prefix". */
function routes(store: MemoryStore, registry: ConnectionRegistry): Map<string, Route> {
  const faults = (): StoreFaults => store.faults;
  const target = (b: Body) => b.target as string | string[] | undefined;
  return new Map<string, Route>([
    [
      'GET clients',
      () => {
        const state = new Map(
          faults()
            .clients()
            .map((c) => [c.name, c]),
        );
        return {
          clients: registry
            .all()
            .flatMap((c) =>
              [c.client, ...c.named.values()].flatMap((client) =>
                client === undefined ? [] : [{ ...state.get(client.name), name: client.name, peer: c.peer }],
              ),
            ),
        };
      },
    ],
    ['POST partition', (b) => faults().partition(target(b), { inFlight: b.inFlight as never })],
    ['POST heal', (b) => faults().heal(target(b))],
    [
      'POST lose-replies',
      (b) => faults().loseReplies(target(b), { count: b.count as never, prefix: b.prefix as never }),
    ],
    [
      'POST fail-next',
      (b) =>
        faults().failNext(target(b), {
          error: b.error as never,
          op: b.op as never,
          count: b.count as never,
          applied: b.applied as never,
        }),
    ],
    [
      'POST latency',
      (b) => {
        const latency = b.ms !== undefined ? b.ms : { minMs: b.minMs, maxMs: b.maxMs };
        faults().latency(target(b), latency as never);
      },
    ],
    ['POST reset-watches', (b) => faults().resetWatches(target(b))],
    ['POST cancel-watches', (b) => faults().cancelWatches(target(b))],
    ['POST expire-lease', (b) => faults().expireLease(leaseIdArg(b.id))],
    ['POST hold-keepalives', (b) => faults().holdKeepAlives(target(b))],
    ['POST release-keepalives', (b) => faults().releaseKeepAlives(target(b))],
    ['POST pause', (b) => faults().pause(target(b))],
    ['POST resume', (b) => faults().resume(target(b))],
    [
      'POST restart',
      (b) => {
        faults().restart({ downMs: b.downMs as never, inFlight: b.inFlight as never });
        // A killed server drops every connection; new ones are refused until it starts again.
        registry.dropGrpc();
      },
    ],
    ['POST freeze', () => faults().freeze()],
    ['POST thaw', (b) => faults().thaw({ abandoned: b.abandoned as never })],
    ['POST clear', (b) => faults().clear(target(b))],
    ['GET clock', () => ({ now: store.clock.now(), manual: store.clock instanceof ManualClock })],
    [
      'POST clock/advance',
      async (b) => {
        const clock = store.clock;
        if (!(clock instanceof ManualClock)) {
          throw new ClosedError('the server runs on the real clock: start it with --manual-clock');
        }
        const ms = b.ms;
        const stepMs = b.stepMs ?? 100;
        if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
          throw new InvalidArgumentError(`ms must be a number ≥ 0, received ${describe(ms)}`);
        }
        if (typeof stepMs !== 'number' || !(stepMs > 0)) {
          throw new InvalidArgumentError(`stepMs must be a number > 0, received ${describe(stepMs)}`);
        }
        await clock.advanceAsync(ms, stepMs);
        return { now: clock.now() };
      },
    ],
  ]);
}

/**
 * The fault API's request handler: answers requests under {@link FAULT_API_PREFIX} and returns true,
 * or returns false for any other path.
 */
export function faultApiHandler(store: MemoryStore, registry: ConnectionRegistry) {
  const table = routes(store, registry);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith(FAULT_API_PREFIX)) return false;
    if (!isLoopback(req.socket.remoteAddress)) {
      fail(res, 403, 'Forbidden', 'the fault API answers loopback clients only');
      return true;
    }
    const name = path.slice(FAULT_API_PREFIX.length);
    const route = table.get(`${req.method} ${name}`);
    if (route === undefined) {
      const known = [...table.keys()].some((k) => k.endsWith(` ${name}`));
      if (known) fail(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on ${path}`);
      else fail(res, 404, 'NotFound', `no fault API route ${path}`);
      return true;
    }
    void (async () => {
      try {
        const body = req.method === 'POST' ? await readBody(req) : {};
        send(res, 200, (await route(body)) ?? { ok: true });
      } catch (error) {
        const e = error as EtcdError;
        if (error instanceof InvalidArgumentError) fail(res, 400, e.code, e.message);
        else if (error instanceof LeaseNotFoundError) fail(res, 404, e.code, e.message);
        else if (error instanceof ClosedError) fail(res, 409, e.code, e.message);
        else fail(res, 500, 'Internal', error instanceof Error ? error.message : String(error));
      }
    })();
    return true;
  };
}
