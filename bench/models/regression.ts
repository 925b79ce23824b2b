/**
 * The online regressions of src/models/regression/ (4 features, standardised online) and the
 * prequential evaluator, beside the same arithmetic written inline over arrays: what the
 * named-feature records, the JSON state and the checks cost.
 */
import { prequentialInit, prequentialUpdate } from '../../src/models/evaluation/prequential.js';
import { linearRegression, linearRegressionInit, linearRegressionUpdate } from '../../src/models/regression/linear-regression.js';
import { logisticRegressionInit, logisticRegressionUpdate } from '../../src/models/regression/logistic-regression.js';
import type { ModelBenchCase } from '../models.js';

const D = 4;
const N = 4096;
const NAMES = ['temperature', 'humidity', 'pressure', 'vibration'];
const values = Float64Array.from({ length: N * D }, (_, i) => [20, 50, 1000, 0.01][i % D]! * (1 + Math.sin(i * 0.37) * 0.2));
const records = Array.from({ length: N }, (_, i) => Object.fromEntries(NAMES.map((n, j) => [n, values[i * D + j]!])));
const labels = Float64Array.from({ length: N }, (_, i) => 3 + 0.5 * values[i * D]! - 0.02 * values[i * D + 2]! + Math.sin(i));
const classes = Array.from(labels, (y, i) => y > 3 + 0.5 * 20 - 0.02 * 1000 + (i % 7) / 7);

/** The same update over arrays: Welford per feature, dot, gradient, intercept, SGD weights. */
function plain(n: number, gradient: (raw: number, i: number) => number): number {
  const count = new Float64Array(D);
  const mean = new Float64Array(D);
  const variance = new Float64Array(D);
  const w = new Float64Array(D);
  const z = new Float64Array(D);
  let intercept = 0;
  for (let t = 0; t < n; t++) {
    const i = t & (N - 1);
    let dot = 0;
    for (let j = 0; j < D; j++) {
      const x = values[i * D + j]!;
      const c = ++count[j]!;
      const old = mean[j]!;
      mean[j] = old + (x - old) / c;
      variance[j]! += ((x - old) * (x - mean[j]!) - variance[j]!) / c;
      z[j] = variance[j]! > 0 ? (x - mean[j]!) / Math.sqrt(variance[j]!) : 0;
      dot += w[j]! * z[j]!;
    }
    const g = gradient(dot + intercept, i);
    intercept -= 0.01 * g;
    for (let j = 0; j < D; j++) w[j]! -= 0.01 * (g * z[j]!);
  }
  return intercept + w[0]!;
}

export const cases: ModelBenchCase[] = [
  {
    name: 'linear regression d=4 (scaled, sgd)',
    model(n) {
      const s = linearRegressionInit();
      for (let t = 0; t < n; t++) linearRegressionUpdate(s, records[t & (N - 1)]!, labels[t & (N - 1)]);
      return s.intercept;
    },
    baseline: (n) => plain(n, (raw, i) => 2 * (raw - labels[i]!)),
  },
  {
    name: 'logistic regression d=4 (scaled, sgd)',
    model(n) {
      const s = logisticRegressionInit();
      for (let t = 0; t < n; t++) logisticRegressionUpdate(s, records[t & (N - 1)]!, classes[t & (N - 1)]);
      return s.intercept;
    },
    baseline: (n) =>
      plain(n, (raw, i) => {
        const sign = classes[i] ? 1 : -1;
        return -sign / (Math.exp(raw * sign) + 1);
      }),
  },
  {
    name: 'prequential linear d=4 (predict+score+learn)',
    model(n) {
      const model = linearRegression();
      const s = prequentialInit(model);
      for (let t = 0; t < n; t++) prequentialUpdate(model, s, records[t & (N - 1)]!, labels[t & (N - 1)]);
      return s.metrics.n;
    },
    baseline: plainPrequential,
  },
];

/** The prequential step over arrays: predict with the statistics so far, score (MAE, MSE, faded), then learn as `plain`. */
function plainPrequential(n: number): number {
  const count = new Float64Array(D);
  const mean = new Float64Array(D);
  const variance = new Float64Array(D);
  const w = new Float64Array(D);
  const z = new Float64Array(D);
  let intercept = 0;
  let mae = 0;
  let mse = 0;
  let maeRecent = 0;
  let weight = 0;
  for (let t = 0; t < n; t++) {
    const i = t & (N - 1);
    let p = intercept;
    for (let j = 0; j < D; j++) {
      const x = values[i * D + j]!;
      if (variance[j]! > 0) p += (w[j]! * (x - mean[j]!)) / Math.sqrt(variance[j]!);
    }
    const e = labels[i]! - p;
    mae += (Math.abs(e) - mae) / (t + 1);
    mse += (e * e - mse) / (t + 1);
    weight = 0.99 * weight + 1;
    maeRecent += (Math.abs(e) - maeRecent) / weight;
    let dot = 0;
    for (let j = 0; j < D; j++) {
      const x = values[i * D + j]!;
      const c = ++count[j]!;
      const old = mean[j]!;
      mean[j] = old + (x - old) / c;
      variance[j]! += ((x - old) * (x - mean[j]!) - variance[j]!) / c;
      z[j] = variance[j]! > 0 ? (x - mean[j]!) / Math.sqrt(variance[j]!) : 0;
      dot += w[j]! * z[j]!;
    }
    const g = 2 * (dot + intercept - labels[i]!);
    intercept -= 0.01 * g;
    for (let j = 0; j < D; j++) w[j]! -= 0.01 * (g * z[j]!);
  }
  return intercept + mae + mse + maeRecent;
}
