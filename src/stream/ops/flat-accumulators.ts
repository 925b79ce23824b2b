/**
 * A window's accumulators as one flat array of doubles, for an aggregate whose aggregators
 * are all built-in (each has `addFlat`): `[count, [n, mean], min, max, [n, mean, m2]]` is
 * held as `[count, n, mean, min, max, n, mean, m2]`, null as NaN. A record then updates one
 * array instead of an array of arrays: at tens of thousands of open windows, each array
 * is another cache miss a record waits on, and the difference showed as a third of the
 * record path's time through Kafka (bench/README.md).
 *
 * Only memory changes: the changelog holds each aggregator's accumulator as before
 * (`acc`/`put` go between the two forms), so state written before restores as it was, and
 * the state layout hot reload compares is the same.
 */
import { type Aggregator, flatAdd } from './aggregators.js';

// biome-ignore lint: the aggregators' accumulator types differ per field.
type AnyAggregator = Aggregator<any, any, unknown>;

/** Where each aggregator's numbers sit in a window's flat array. */
export interface FlatLayout {
  /** Offset of each aggregator's first double. */
  readonly offsets: readonly number[];
  /** A new window's array: a copy of the initial doubles. */
  readonly init: () => number[];
  /** Aggregator i's accumulator in the form its `init`, `merge` and `result` know. */
  acc(buf: readonly number[], i: number): unknown;
  /** Writes aggregator i's accumulator `acc` (that form) into `buf`. */
  put(buf: number[], i: number, acc: unknown): void;
}

interface Slot {
  at: number;
  /** 1 for a number (or null), else the length of the array of numbers. */
  width: number;
  /** A single number that may be null (min, max before any value): NaN stands for it. */
  nullable: boolean;
  array: boolean;
}

/** The flat layout of `aggs`, or undefined when one of them cannot be laid out flat (an aggregator of the author's own). */
export function flatLayout(aggs: readonly AnyAggregator[]): FlatLayout | undefined {
  const slots: Slot[] = [];
  const initial: number[] = [];
  for (const a of aggs) {
    if (flatAdd(a) === undefined) return undefined;
    let first: unknown;
    try {
      first = a.init();
    } catch {
      return undefined;
    }
    const at = initial.length;
    if (first === null) {
      slots.push({ at, width: 1, nullable: true, array: false });
      initial.push(Number.NaN);
    } else if (typeof first === 'number') {
      slots.push({ at, width: 1, nullable: false, array: false });
      initial.push(first);
    } else if (Array.isArray(first) && first.every((x) => typeof x === 'number')) {
      slots.push({ at, width: first.length, nullable: false, array: true });
      initial.push(...(first as number[]));
    } else {
      return undefined;
    }
  }
  return {
    offsets: slots.map((s) => s.at),
    init: () => initial.slice(),
    acc(buf, i) {
      const s = slots[i]!;
      if (s.array) return buf.slice(s.at, s.at + s.width);
      const x = buf[s.at]!;
      return s.nullable && Number.isNaN(x) ? null : x;
    },
    put(buf, i, acc) {
      const s = slots[i]!;
      if (s.array) for (let k = 0; k < s.width; k++) buf[s.at + k] = (acc as number[])[k]!;
      else buf[s.at] = acc === null ? Number.NaN : (acc as number);
    },
  };
}
