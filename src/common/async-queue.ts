/**
 * An unbounded push/pull queue consumed as an async iterator: producers never wait, the consumer waits
 * for the next item. `end()` finishes the iteration after the queued items; `fail(error)` throws after
 * them. Breaking out of a `for await` calls `onReturn`.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #done = false;
  #error: unknown;
  #hasError = false;
  readonly #onReturn: (() => void) | undefined;

  constructor(onReturn?: () => void) {
    this.#onReturn = onReturn;
  }

  /** Items queued and not yet taken. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True once end() or fail() was called. */
  get closed(): boolean {
    return this.#done;
  }

  push(item: T): void {
    if (this.#done) return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#settleWaiter();
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#hasError = true;
    this.#error = error;
    this.#settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++] as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return this.#hasError ? Promise.reject(this.#error) : Promise.resolve(doneResult());
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    const wasOpen = !this.#done;
    this.#done = true;
    this.#items = [];
    this.#head = 0;
    this.#settleWaiter();
    if (wasOpen) this.#onReturn?.();
    return Promise.resolve(doneResult());
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #settleWaiter(): void {
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    if (this.#hasError && this.#head >= this.#items.length) w.reject(this.#error);
    else w.resolve(doneResult());
  }
}

function doneResult<T>(): IteratorResult<T> {
  return { value: undefined, done: true };
}
