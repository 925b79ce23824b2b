/** Option checks the sketches share: each names the option, the range and an example. */
import { FastdataError } from '../../errors.js';

const shown = (x: unknown) => (typeof x === 'number' ? String(x) : (JSON.stringify(x) ?? String(x)));

function invalid(what: string, x: unknown, range: string, example: string): FastdataError {
  return new FastdataError('FD_ARGUMENT_INVALID', `${what}: ${shown(x)} is not ${range}; use e.g. ${example}`, { context: { field: what } });
}

/** `x` if it is a number strictly between `lo` and `hi`, else FD_ARGUMENT_INVALID. */
export function checkOpenRange(x: unknown, what: string, lo: number, hi: number, example: string): number {
  if (typeof x !== 'number' || !(x > lo && x < hi)) throw invalid(what, x, `a number in (${lo}, ${hi})`, example);
  return x;
}

/** `x` if it is a whole number in [lo, hi], else FD_ARGUMENT_INVALID. */
export function checkWhole(x: unknown, what: string, lo: number, hi: number, example: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) throw invalid(what, x, `a whole number in [${lo}, ${hi}]`, example);
  return x;
}

/** A quantile `q` in [0, 1], else FD_ARGUMENT_INVALID. */
export function checkQuantile(q: unknown, what = 'q'): number {
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw invalid(what, q, 'a quantile in [0, 1]', '0.5 for the median, 0.99 for the 99th percentile');
  return q;
}

/** Two sketches can merge only when built with the same parameters: else FD_ARGUMENT_INVALID naming them. */
export function mergeMismatch(model: string, what: string, a: unknown, b: unknown): FastdataError {
  return new FastdataError(
    'FD_ARGUMENT_INVALID',
    `${model}: cannot merge sketches built with different ${what} (${shown(a)} and ${shown(b)}); build every sketch that is to be merged with the same options`,
    { context: { field: what } },
  );
}
