/**
 * Aggregators for `aggregate(...)`. Each keeps a small accumulator that is plain JSON (so
 * window state can go to the changelog as it is) and can be merged with another (so
 * session windows can join). Values that are not finite numbers (null, undefined, NaN,
 * ±Infinity) are skipped and not counted; a result over no values is NaN.
 */
export interface Aggregator<T, A, R> {
  init(): A;
  /** Adds a record; may update `acc` in place, returns the accumulator to keep. */
  add(acc: A, value: T): A;
  merge(a: A, b: A): A;
  result(acc: A): R;
  /**
   * For an aggregator over one field: `add(acc, v)` is `addField(acc, field(v))`. Given
   * both, `aggregate` reads every field of a record before it changes any accumulator, so
   * a field function that throws leaves the window as it was (and reads each field once
   * per record, not once per window it falls in).
   */
  field?(value: T): unknown;
  addField?(acc: A, x: unknown): A;
  /**
   * The built-in aggregators, whose accumulator is numbers (a number, a number or null, or
   * a fixed-length array of numbers): `addField` (count: `add`) on those numbers laid out
   * from `at` in a window's one flat array of doubles, null as NaN. `aggregate` keeps a
   * window's accumulators that way when all of its aggregators have it: one array a record
   * updates, instead of an array of arrays, which at tens of thousands of open windows is
   * what a record waits on (each array another cache miss).
   */
  addFlat?(buf: number[], at: number, x: unknown): void;
}

/** The result types of a set of named aggregators. */
export type AggregateResults<S> = { [K in keyof S]: S[K] extends Aggregator<never, unknown, infer R> ? R : never };

/** A field accessor as model authors write them. */
export type Field<T> = (value: T) => number | null | undefined;

// `x - x` is 0 for finite numbers only (NaN and ±Infinity give NaN): cheaper than Number.isFinite on the hot path.
const usable = (x: unknown): x is number => typeof x === 'number' && x - x === 0;

/**
 * Which update each built-in's `addFlat` mirrors (its `addField`, count's `add`): an object
 * that spreads a built-in and replaces that update keeps the old `addFlat`, which would no
 * longer do the same; `flatAdd` then says it has none.
 */
const mirrors = new WeakMap<object, unknown>();

/** The aggregator's `addFlat`, when it still does what its `addField` (or `add`) does. */
export function flatAdd(a: Aggregator<never, unknown, unknown>): Aggregator<never, unknown, unknown>['addFlat'] {
  return a.addFlat !== undefined && mirrors.get(a.addFlat) === (a.addField ?? a.add) ? a.addFlat : undefined;
}

/**
 * An aggregator over one numeric field. Each aggregator writes its own `addField` (with
 * the `usable` check inline) rather than this helper wrapping a shared one: a shared
 * wrapper would be one function calling five kinds of `addValue`, which V8 cannot inline.
 */
function overField<T, A, R>(field: Field<T>, parts: Omit<Aggregator<T, A, R>, 'add' | 'field'> & { addField(acc: A, x: unknown): A }): Aggregator<T, A, R> {
  const { addField, addFlat } = parts;
  if (addFlat !== undefined) mirrors.set(addFlat, addField);
  return { ...parts, field, add: (acc, value) => addField(acc, field(value)) };
}

/** Number of records. */
export function count(): Aggregator<unknown, number, number> {
  const add = (acc: number) => acc + 1;
  const addFlat = (buf: number[], at: number) => {
    buf[at] = buf[at]! + 1;
  };
  mirrors.set(addFlat, add);
  return { init: () => 0, add, addFlat, merge: (a, b) => a + b, result: (acc) => acc };
}

/** Sum of a field. */
export function sum<T>(field: Field<T>): Aggregator<T, number, number> {
  return overField(field, {
    init: () => 0,
    addField: (acc, x) => (usable(x) ? acc + x : acc),
    addFlat: (buf, at, x) => {
      if (usable(x)) buf[at] = buf[at]! + x;
    },
    merge: (a, b) => a + b,
    result: (acc) => acc,
  });
}

/**
 * Arithmetic mean of a field, kept as a running mean (accumulator: [count, mean]) rather
 * than sum / count, so n equal values average to exactly that value.
 */
export function mean<T>(field: Field<T>): Aggregator<T, [number, number], number> {
  return overField(field, {
    init: () => [0, 0],
    addField: (acc, x) => {
      if (usable(x)) {
        const n = ++acc[0];
        acc[1] += (x - acc[1]) / n;
      }
      return acc;
    },
    addFlat: (buf, at, x) => {
      if (usable(x)) {
        const n = buf[at]! + 1;
        buf[at] = n;
        buf[at + 1] = buf[at + 1]! + (x - buf[at + 1]!) / n;
      }
    },
    merge: (a, b) => {
      const n = a[0] + b[0];
      return n === 0 ? [0, 0] : [n, a[1] + ((b[1] - a[1]) * b[0]) / n];
    },
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[1]),
  });
}

/** Smallest value of a field. Accumulator: the minimum, or null before any value. */
export function min<T>(field: Field<T>): Aggregator<T, number | null, number> {
  return overField<T, number | null, number>(field, {
    init: () => null,
    addField: (acc, x) => (usable(x) && (acc === null || x < acc) ? x : acc),
    // NaN stands for null: only finite values are ever stored.
    addFlat: (buf, at, x) => {
      if (usable(x) && (buf[at] !== buf[at] || x < buf[at]!)) buf[at] = x;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
    result: (acc) => acc ?? Number.NaN,
  });
}

/** Largest value of a field. Accumulator: the maximum, or null before any value. */
export function max<T>(field: Field<T>): Aggregator<T, number | null, number> {
  return overField<T, number | null, number>(field, {
    init: () => null,
    addField: (acc, x) => (usable(x) && (acc === null || x > acc) ? x : acc),
    addFlat: (buf, at, x) => {
      if (usable(x) && (buf[at] !== buf[at] || x > buf[at]!)) buf[at] = x;
    },
    merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
    result: (acc) => acc ?? Number.NaN,
  });
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
export function stddev<T>(field: Field<T>, options: StddevOptions = {}): Aggregator<T, [number, number, number], number> {
  const sample = options.sample === true;
  return overField(field, {
    init: () => [0, 0, 0],
    addField: (acc, x) => {
      if (usable(x)) {
        const n = ++acc[0];
        const delta = x - acc[1];
        acc[1] += delta / n;
        acc[2] += delta * (x - acc[1]);
      }
      return acc;
    },
    addFlat: (buf, at, x) => {
      if (usable(x)) {
        const n = buf[at]! + 1;
        buf[at] = n;
        const delta = x - buf[at + 1]!;
        const mean = buf[at + 1]! + delta / n;
        buf[at + 1] = mean;
        buf[at + 2] = buf[at + 2]! + delta * (x - mean);
      }
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
  });
}
