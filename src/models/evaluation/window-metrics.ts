/**
 * Model-quality metrics as window aggregators, for `aggregate(...)` over tumbling, hopping or
 * sliding windows of records that carry a prediction and its label (a module's own output of
 * predictions, say): the error over exactly the last 10 minutes, where the prequential
 * evaluator's `...Recent` metrics fade.
 *
 * @example
 * predictions.pipe(
 *   keyBy((p) => p.sensorId),
 *   hopping('10m', '1m'),
 *   aggregate({ mae: maeOf((p) => p.predicted, (p) => p.actual), rmse: rmseOf((p) => p.predicted, (p) => p.actual) }),
 * )
 *
 * Accumulators are small JSON arrays and merge exactly (sums; R² with Chan et al.'s pairwise
 * update of the labels' sum of squared deviations), so session windows can join. As the other
 * aggregators: a pair with a prediction or label that is not a finite number is skipped (for
 * log loss and accuracy: a missing label, or a probability outside [0, 1]), and a result over
 * no pairs is NaN. R² is 0 with fewer than two labels or labels without spread, as River's.
 */
import type { Aggregator } from '../../stream/ops/aggregators.js';
import { labelSign } from '../regression/logistic-regression.js';

type Of<T, V> = (value: T) => V;
const usable = (x: unknown): x is number => typeof x === 'number' && x - x === 0;

/** Mean absolute error of `predicted` against `actual`. Accumulator: [pairs, sum of |error|]. */
export function maeOf<T>(predicted: Of<T, number | null | undefined>, actual: Of<T, number | null | undefined>): Aggregator<T, [number, number], number> {
  return {
    init: () => [0, 0],
    add: (acc, value) => {
      const p = predicted(value);
      const y = actual(value);
      if (usable(p) && usable(y)) {
        acc[0]++;
        acc[1] += Math.abs(y - p);
      }
      return acc;
    },
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[1] / acc[0]),
  };
}

/** Root mean squared error of `predicted` against `actual`. Accumulator: [pairs, sum of error²]. */
export function rmseOf<T>(predicted: Of<T, number | null | undefined>, actual: Of<T, number | null | undefined>): Aggregator<T, [number, number], number> {
  return {
    init: () => [0, 0],
    add: (acc, value) => {
      const p = predicted(value);
      const y = actual(value);
      if (usable(p) && usable(y)) {
        acc[0]++;
        acc[1] += (y - p) * (y - p);
      }
      return acc;
    },
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[0] === 0 ? Number.NaN : Math.sqrt(acc[1] / acc[0])),
  };
}

/** R² of `predicted` against `actual`. Accumulator: [pairs, label mean, label sum of squared deviations, sum of error²]. */
export function r2Of<T>(predicted: Of<T, number | null | undefined>, actual: Of<T, number | null | undefined>): Aggregator<T, [number, number, number, number], number> {
  return {
    init: () => [0, 0, 0, 0],
    add: (acc, value) => {
      const p = predicted(value);
      const y = actual(value);
      if (usable(p) && usable(y)) {
        const n = ++acc[0];
        const d = y - acc[1];
        acc[1] += d / n;
        acc[2] += d * (y - acc[1]);
        acc[3] += (y - p) * (y - p);
      }
      return acc;
    },
    merge: (a, b) => {
      const n = a[0] + b[0];
      if (n === 0) return [0, 0, 0, 0];
      const d = b[1] - a[1];
      return [n, a[1] + (d * b[0]) / n, a[2] + b[2] + (d * d * a[0] * b[0]) / n, a[3] + b[3]];
    },
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[2] > 0 ? 1 - acc[3] / acc[2] : 0),
  };
}

/** Mean log loss of `probability` (of true) against `actual` (true/false or 1/0), clamped as River's. Accumulator: [pairs, sum of losses]. */
export function logLossOf<T>(probability: Of<T, number | null | undefined>, actual: Of<T, unknown>): Aggregator<T, [number, number], number> {
  return {
    init: () => [0, 0],
    add: (acc, value) => {
      const p = probability(value);
      const sign = labelSign(actual(value));
      if (sign !== 0 && typeof p === 'number' && p >= 0 && p <= 1) {
        const q = Math.max(Math.min(p, 1 - 1e-15), 1e-15);
        acc[0]++;
        acc[1] += sign > 0 ? -Math.log(q) : -Math.log(1 - q);
      }
      return acc;
    },
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[1] / acc[0]),
  };
}

/** Share of pairs whose predicted class (`probability` > 0.5) is `actual`. Accumulator: [pairs, right]. */
export function accuracyOf<T>(probability: Of<T, number | null | undefined>, actual: Of<T, unknown>): Aggregator<T, [number, number], number> {
  return {
    init: () => [0, 0],
    add: (acc, value) => {
      const p = probability(value);
      const sign = labelSign(actual(value));
      if (sign !== 0 && typeof p === 'number' && p >= 0 && p <= 1) {
        acc[0]++;
        if (p > 0.5 === sign > 0) acc[1]++;
      }
      return acc;
    },
    merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
    result: (acc) => (acc[0] === 0 ? Number.NaN : acc[1] / acc[0]),
  };
}
