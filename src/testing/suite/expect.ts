/**
 * The `expect` the shipped conformance cases assert with. The cases are runner-neutral: they import this
 * module, and {@link runConformance} binds it to the `expect` its caller passes in {@link TestApi}, so a
 * failed assertion is reported by the caller's own runner. vitest's `expect` is tested; jest's has the
 * same matchers but is not tested here.
 */

/** The matchers the cases use: a subset that vitest's and jest's `expect` both have. */
export interface Matchers {
  /** `Object.is` equality. */
  toBe(expected: unknown): void;
  /** Deep equality. */
  toEqual(expected: unknown): void;
  /** Deep equality on the properties `expected` has. */
  toMatchObject(expected: object): void;
  /** A `length` property equal to `length`. */
  toHaveLength(length: number): void;
  /** `=== undefined`. */
  toBeUndefined(): void;
  /** Falsy. */
  toBeFalsy(): void;
  /** `instanceof cls`. */
  toBeInstanceOf(cls: unknown): void;
  /** A string containing `expected`, or matching it as a regular expression. */
  toMatch(expected: string | RegExp): void;
  /** An array or string containing `item`. */
  toContain(item: unknown): void;
  /** `>` */
  toBeGreaterThan(n: number | bigint): void;
  /** `>=` */
  toBeGreaterThanOrEqual(n: number | bigint): void;
  /** `<` */
  toBeLessThan(n: number | bigint): void;
  /** `<=` */
  toBeLessThanOrEqual(n: number | bigint): void;
  /** The same matchers, negated. */
  readonly not: Matchers;
  /** The same matchers, applied to the reason the promise `actual` rejects with. */
  readonly rejects: PromiseMatchers;
}

/** {@link Matchers} on a promise's outcome: each returns a promise to await. */
export type PromiseMatchers = {
  [K in Exclude<keyof Matchers, 'not' | 'rejects'>]: (...args: Parameters<Matchers[K]>) => Promise<unknown>;
};

/** A test runner's `expect` (vitest's, jest's), as the harness calls it: with one argument. */
export type ExpectFn = (actual: unknown) => Matchers;

let bound: ExpectFn | undefined;

/** Make {@link expect} assert with `fn` (runConformance does this before every case). */
export function bindExpect(fn: ExpectFn): void {
  bound = fn;
}

/**
 * `expect(actual, message?)` for the cases: the bound runner's `expect`, called with `actual` only (jest
 * refuses a second argument); `message`, when given, is put in front of a failing matcher's message.
 */
export function expect(actual: unknown, message?: string): Matchers {
  if (!bound) {
    throw new Error('conformance cases assert with the expect given to runConformance(); none was bound');
  }
  const matchers = bound(actual);
  return message === undefined ? matchers : labelled(matchers, message);
}

/** `matchers` whose failures start with `message`. */
function labelled(matchers: Matchers, message: string): Matchers {
  return new Proxy(matchers, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'not' || property === 'rejects') return labelled(value as Matchers, message);
      if (typeof value !== 'function') return value;
      const label = (error: unknown) => {
        if (error instanceof Error) error.message = `${message}: ${error.message}`;
        throw error;
      };
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(label) : result;
        } catch (error) {
          return label(error);
        }
      };
    },
  });
}
