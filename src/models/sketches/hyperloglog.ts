/**
 * Distinct counts: HyperLogLog (Flajolet, Fusy, Gandouet and Meunier, "HyperLogLog: the
 * analysis of a near-optimal cardinality estimation algorithm", AofA 2007) over 64-bit
 * hashes, with Ertl's improved estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017; the one Redis uses since 5.0).
 *
 * A value is hashed (MurmurHash3 x86_128, 64 of its bits; see murmur3.ts): the first `p`
 * bits pick one of m = 2^p registers, which keeps the largest position of the first 1-bit
 * seen in the remaining 64 - p bits. The estimate from the registers has a relative
 * standard error of 1.04 / sqrt(m): 0.81% at the default p = 14, 1.6% at p = 12, 26% at
 * p = 4. Ertl's estimator replaces both of the 2007 paper's corrections (linear counting
 * below 2.5 m, a large-range correction for 32-bit hashes) and HLL++'s empirical bias tables
 * (Heule, Nunkesser and Hall, EDBT 2013): it is nearly unbiased from 0 up to 2^64 / m with no
 * table and no switch point, and exact in practice for a handful of values. With 64-bit
 * hashes no large-range correction is needed (a 32-bit hash would bias counts of 10^8 up).
 *
 * Merging takes the register-wise maximum: the merge of two sketches is, register for
 * register, the sketch of both streams (of their union, as a set).
 *
 * State: plain JSON, updated in place. While few registers are set they are kept sparse
 * (an object from register index to value: a window that sees 50 distinct values stores 50
 * entries, not 16,384), and dense (an array of m small numbers) once more than m / 8 are
 * set; the estimate is the same either way. Memory per key at most m numbers: p = 14 is
 * 16,384 registers (about 33 kB as JSON); p = 10 is 1,024.
 *
 * Strings are hashed as UTF-8, numbers as their IEEE-754 bytes (1 and "1" are different
 * values). null, undefined and non-finite numbers are skipped; other types are refused.
 *
 * @example
 * aggregate({ visitors: distinctCount((r) => r.userId) })
 */
import type { Aggregator } from '../../stream/ops/aggregators.js';
import { type ModelState, checkModelState } from '../model-state.js';
import { hashItem, hashOut } from './murmur3.js';
import { checkWhole, mergeMismatch } from './options.js';

const KIND = 'hyperloglog';
const V = 1;

export interface DistinctCountState extends ModelState<'hyperloglog'> {
  /** Precision: 2^p registers. */
  p: number;
  /** Register index (as a string key) to value while sparse; null once dense. */
  sparse: Record<string, number> | null;
  /** Entries in `sparse` (0 once dense). */
  sparseSize: number;
  /** The 2^p registers once dense; null while sparse. */
  registers: number[] | null;
}

export interface DistinctCountOptions {
  /** Precision p, a whole number in [4, 16]: 2^p registers, standard error 1.04 / sqrt(2^p). Default 14 (0.81%). */
  precision?: number;
}

/** The relative standard error of a distinct count at precision p: 1.04 / sqrt(2^p). */
export const distinctCountStandardError = (p: number) => 1.04 / Math.sqrt(2 ** p);

/** The empty sketch. Throws FD_ARGUMENT_INVALID for a precision out of range. */
export function distinctCountInit(options: DistinctCountOptions = {}): DistinctCountState {
  const p = checkWhole(options.precision ?? 14, 'precision', 4, 16, '14 (0.81% standard error, 16,384 registers) or 10 (3.3%, 1,024)');
  return { kind: KIND, v: V, p, sparse: {}, sparseSize: 0, registers: null };
}

/**
 * Adds a value (a string or a finite number) in place and returns the state. null,
 * undefined and non-finite numbers are skipped; another type throws FD_ARGUMENT_INVALID.
 */
export function distinctCountUpdate(state: DistinctCountState, x: unknown): DistinctCountState {
  checkModelState(state, KIND, V);
  if (!hashItem(x, 'distinctCount value')) return state;
  const p = state.p;
  const h1 = hashOut[0]!;
  const index = h1 >>> (32 - p);
  // The rank: position of the first 1-bit in the 64 - p bits after the index (64 - p + 1 if none).
  const rest = (h1 << p) >>> 0;
  const rank = rest !== 0 ? Math.clz32(rest) + 1 : hashOut[1] !== 0 ? 32 - p + Math.clz32(hashOut[1]!) + 1 : 65 - p;
  setRegister(state, index, rank);
  return state;
}

function setRegister(state: DistinctCountState, index: number, rank: number): void {
  const registers = state.registers;
  if (registers !== null) {
    if (rank > registers[index]!) registers[index] = rank;
    return;
  }
  const sparse = state.sparse!;
  const old = sparse[index];
  if (old === undefined) {
    sparse[index] = rank;
    if (++state.sparseSize > 2 ** state.p / 8) densify(state);
  } else if (rank > old) {
    sparse[index] = rank;
  }
}

function densify(state: DistinctCountState): void {
  const registers = new Array<number>(2 ** state.p).fill(0);
  for (const [index, rank] of Object.entries(state.sparse!)) registers[Number(index)] = rank;
  state.registers = registers;
  state.sparse = null;
  state.sparseSize = 0;
}

/** The estimated number of distinct values (relative standard error 1.04 / sqrt(2^p)). 0 for an empty sketch. */
export function distinctCountEstimate(state: DistinctCountState): number {
  checkModelState(state, KIND, V);
  const p = state.p;
  const m = 2 ** p;
  const q = 64 - p;
  // C[k]: registers holding k, for k in 0..q+1.
  const c = new Array<number>(q + 2).fill(0);
  if (state.registers !== null) {
    for (const r of state.registers) c[r]!++;
  } else {
    c[0] = m - state.sparseSize;
    for (const index in state.sparse) c[state.sparse[index]!]!++;
  }
  if (c[0] === m) return 0;
  // Ertl 2017, algorithm 6 (the improved raw estimator).
  let z = m * tau(1 - c[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + c[k]!);
  z += m * sigma(c[0]! / m);
  return Math.round((m * m) / (2 * Math.LN2 * z));
}

/** sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for x in [0, 1). */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

/** tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for x in [0, 1]. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}

/**
 * Merges `from` into `into` (register-wise maximum, in place; `from` is not changed) and
 * returns `into`. Throws FD_ARGUMENT_INVALID when their precisions differ.
 */
export function distinctCountMerge(into: DistinctCountState, from: DistinctCountState): DistinctCountState {
  checkModelState(into, KIND, V);
  checkModelState(from, KIND, V);
  if (into.p !== from.p) throw mergeMismatch('distinctCountMerge', 'precision', into.p, from.p);
  if (from.registers !== null) {
    if (into.registers === null) densify(into);
    const a = into.registers!;
    const b = from.registers;
    for (let i = 0; i < b.length; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
  } else {
    for (const index in from.sparse) setRegister(into, Number(index), from.sparse[index]!);
  }
  return into;
}

/**
 * Window aggregator: the number of distinct values of a field (strings or numbers). The
 * accumulator is the sketch, so session windows and partitions merge exactly.
 *
 * @example
 * aggregate({ sensors: distinctCount((r) => r.sensorId, { precision: 12 }) })
 */
export function distinctCount<T>(field: (value: T) => string | number | null | undefined, options: DistinctCountOptions = {}): Aggregator<T, DistinctCountState, number> {
  distinctCountInit(options);
  return {
    init: () => distinctCountInit(options),
    field,
    add: (acc, value) => distinctCountUpdate(acc, field(value)),
    addField: distinctCountUpdate,
    merge: distinctCountMerge,
    result: distinctCountEstimate,
  };
}
