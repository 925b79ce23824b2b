/**
 * Aggregators for `aggregate(...)`. Each keeps a small accumulator that is plain JSON (so
 * window state can go to the changelog as it is) and can be merged with another (so
 * session windows can join). Values that are not finite numbers (null, undefined, NaN)
 * are skipped and not counted; a result over no values is NaN.
 */
export interface Aggregator<T, A, R> {
  init(): A;
  /** Adds a value; may update `acc` in place, returns the accumulator to keep. */
  add(acc: A, value: T): A;
  merge(a: A, b: A): A;
  result(acc: A): R;
}

/** The result types of a set of named aggregators. */
export type AggregateResults<S> = { [K in keyof S]: S[K] extends Aggregator<never, unknown, infer R> ? R : never };

// `x === x` is false only for NaN; together with typeof it accepts finite numbers and ±Infinity.
const usable = (x: unknown): x is number => typeof x === 'number' && x === x;

/** Number of records. */
export function count(): Aggregator<unknown, number, number> {
  return {
    init: () => 0,
    add: (acc) => acc + 1,
    merge: (a, b) => a + b,
    result: (acc) => acc,
  };
}

/** Sum of a field. */
export function sum<T>(field: (value: T) => number | null | undefined): Aggregator<T, number, number> {
  return {
    init: () => 0,
    add: (acc, value) => {
      const x = field(value);
      return usable(x) ? acc + x : acc;
    },
    merge: (a, b) => a + b,
    result: (acc) => acc,
  };
}

/** Arithmetic mean of a field. Accumulator: [count, sum]. */
export function mean<T>(field: (value: T) => number | null | undefined): Aggregator<T, [number, number], number> {
  return {
    init: () => [0, 0],
    add: (acc, value) => {
      const x = field(value);
      if (usable(x)) {
        acc[0]++;
        acc[1] += x;
      }
      return acc;
    },
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[1] / acc[0]),
  };
}

/** Smallest value of a field. Accumulator: the minimum, or null before any value. */
export function min<T>(field: (value: T) => number | null | undefined): Aggregator<T, number | null, number> {
  return {
    init: () => null,
    add: (acc, value) => {
      const x = field(value);
      return usable(x) && (acc === null || x < acc) ? x : acc;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
    result: (acc) => acc ?? Number.NaN,
  };
}

/** Largest value of a field. Accumulator: the maximum, or null before any value. */
export function max<T>(field: (value: T) => number | null | undefined): Aggregator<T, number | null, number> {
  return {
    init: () => null,
    add: (acc, value) => {
      const x = field(value);
      return usable(x) && (acc === null || x > acc) ? x : acc;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
    result: (acc) => acc ?? Number.NaN,
  };
}

export interface StddevOptions {
  /** Sample standard deviation (n - 1 in the denominator; NaN for fewer than 2 values) instead of the population one. */
  sample?: boolean;
}

/**
 * Standard deviation of a field (population by default), computed with Welford's online
 * algorithm, which stays accurate where the textbook sum-of-squares formula cancels.
 * Accumulator: [count, mean, sum of squared deviations]; merged with Chan et al.'s formula.
 */
export function stddev<T>(field: (value: T) => number | null | undefined, options: StddevOptions = {}): Aggregator<T, [number, number, number], number> {
  const sample = options.sample === true;
  return {
    init: () => [0, 0, 0],
    add: (acc, value) => {
      const x = field(value);
      if (usable(x)) {
        const n = ++acc[0];
        const delta = x - acc[1];
        acc[1] += delta / n;
        acc[2] += delta * (x - acc[1]);
      }
      return acc;
    },
    merge: (a, b) => {
      const n = a[0] + b[0];
      if (n === 0) return [0, 0, 0];
      const delta = b[1] - a[1];
      return [n, a[1] + (delta * b[0]) / n, a[2] + b[2] + (delta * delta * a[0] * b[0]) / n];
    },
    result: ([n, , m2]) => {
      if (sample) return n < 2 ? Number.NaN : Math.sqrt(m2 / (n - 1));
      return n === 0 ? Number.NaN : Math.sqrt(m2 / n);
    },
  };
}
