/**
 * Watch IDs of one stream between the wire and the store. etcd takes any int64 as a client-chosen watch
 * ID (9223372036854775807 works on 3.4); the store's IDs are safe integers. An ID is passed through as
 * it is, except one outside [−2^52, 2^53 − 1], which gets a stand-in from the store IDs no client ID
 * maps to (the safe integers below −2^52), so that responses carry the client's ID again and two IDs
 * never meet.
 */

import { fromBigint } from './int64.js';

const REGION_TOP = -(2 ** 52);

/** True for wire IDs that use a stand-in. */
function needsStandIn(id: bigint): boolean {
  return id < BigInt(REGION_TOP) || id > BigInt(Number.MAX_SAFE_INTEGER);
}

/** One stream's mapping. */
export class WatchIdMap {
  readonly #toStore = new Map<bigint, number>();
  readonly #toWire = new Map<number, bigint>();
  #next = Number.MIN_SAFE_INTEGER;

  /**
   * The store ID to create a watcher with. `fresh` is true when a new stand-in was assigned (to be
   * released if the store refuses the create); a live stand-in is reused, so that the store reports
   * the duplicate as etcd does.
   */
  forCreate(wire: bigint): { id: number; fresh: boolean } {
    if (!needsStandIn(wire)) return { id: Number(wire), fresh: false };
    const live = this.#toStore.get(wire);
    if (live !== undefined) return { id: live, fresh: false };
    const id = this.#next++;
    this.#toStore.set(wire, id);
    this.#toWire.set(id, wire);
    return { id, fresh: true };
  }

  /** The store ID to cancel; undefined when no watcher has that ID (etcd sends no reply). */
  forCancel(wire: bigint): number | undefined {
    return needsStandIn(wire) ? this.#toStore.get(wire) : Number(wire);
  }

  /** A store ID as the wire shows it: a number, or a Long for a stand-in's int64. */
  toWire(id: number): number | ReturnType<typeof fromBigint> {
    const wire = this.#toWire.get(id);
    return wire === undefined ? id : fromBigint(wire);
  }

  /** Forget a stand-in whose watcher is gone. */
  release(id: number): void {
    const wire = this.#toWire.get(id);
    if (wire === undefined) return;
    this.#toWire.delete(id);
    this.#toStore.delete(wire);
  }
}
