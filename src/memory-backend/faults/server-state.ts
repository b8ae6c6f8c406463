/**
 * The simulated server process every client's link leads to: down (killed, until it restarts) or frozen
 * (SIGSTOP: connections stay open, requests queue unanswered and leases do not expire until it thaws).
 */

import type { Flight } from './flight.js';

/** The server's state, shared by every link of one store. */
export class ServerState {
  /** Killed: no connection can be made until it restarts. */
  down = false;
  /** Stopped: requests wait at the server, in arrival order. */
  frozen = false;
  #queue: Flight<unknown>[] = [];

  /** A request reached the server: apply it now, or queue it while frozen. */
  arrive(flight: Flight<unknown>): void {
    if (this.frozen) {
      flight.queue();
      this.#queue.push(flight);
    } else {
      flight.process();
    }
  }

  /**
   * Apply the requests that waited while frozen, in arrival order (cut ones are skipped by the flight).
   * One whose caller gave up meanwhile is applied only if `keepAbandoned` says so: on etcd, whether the
   * cancel that followed it stops it is a race.
   */
  drain(keepAbandoned: () => boolean): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const flight of queue) {
      if (flight.abandoned && !keepAbandoned()) flight.drop();
      else flight.process();
    }
  }
}
