import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classificationMetrics, classificationMetricsInit, classificationMetricsUpdate } from '../../../../src/models/evaluation/classification-metrics.js';
import { regressionMetrics, regressionMetricsInit, regressionMetricsUpdate } from '../../../../src/models/evaluation/regression-metrics.js';

const value = fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
const near = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

/** Weighted MAE, RMSE and R² with weight fading^(n-1-i) for pair i: the definitions, computed directly. */
function exact(pairs: [number, number][], fading: number) {
  const n = pairs.length;
  const w = pairs.map((_, i) => fading ** (n - 1 - i));
  const W = w.reduce((t, x) => t + x, 0);
  const mae = pairs.reduce((t, [y, p], i) => t + w[i]! * Math.abs(y - p), 0) / W;
  const mse = pairs.reduce((t, [y, p], i) => t + w[i]! * (y - p) ** 2, 0) / W;
  const yMean = pairs.reduce((t, [y], i) => t + w[i]! * y, 0) / W;
  const sst = pairs.reduce((t, [y], i) => t + w[i]! * (y - yMean) ** 2, 0);
  const sse = pairs.reduce((t, [y, p], i) => t + w[i]! * (y - p) ** 2, 0);
  return { mae, rmse: Math.sqrt(mse), r2: 1 - sse / sst, sst };
}

describe('regression metrics', () => {
  it('MAE, RMSE and R² over everything and faded equal the weighted definitions (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 2, maxLength: 200 }), fc.double({ min: 0.5, max: 1, noNaN: true }), (pairs, fading) => {
        const s = regressionMetricsInit({ fading });
        for (const [y, p] of pairs) regressionMetricsUpdate(s, y, p);
        const m = regressionMetrics(s);
        const all = exact(pairs, 1);
        const recent = exact(pairs, fading);
        expect(m.n).toBe(pairs.length);
        near(m.mae, all.mae);
        near(m.rmse, all.rmse);
        near(m.maeRecent, recent.mae);
        near(m.rmseRecent, recent.rmse);
        // R² is only defined with a spread of labels; far from a tiny spread it must match.
        const spread = Math.max(...pairs.map(([y]) => y)) - Math.min(...pairs.map(([y]) => y));
        if (spread > 1e-3) {
          near(m.r2, all.r2, 1e-6);
          if (recent.sst > 1e-6) near(m.r2Recent, recent.r2, 1e-6);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is 0 before any pair, gives R² 0 without spread, skips missing labels and counts non-finite predictions as invalid', () => {
    const s = regressionMetricsInit();
    expect(regressionMetrics(s)).toEqual({ n: 0, invalid: 0, mae: 0, rmse: 0, r2: 0, maeRecent: 0, rmseRecent: 0, r2Recent: 0 });
    regressionMetricsUpdate(s, 3, 1);
    regressionMetricsUpdate(s, 3, 5);
    regressionMetricsUpdate(s, null, 5);
    regressionMetricsUpdate(s, Number.NaN, 5);
    regressionMetricsUpdate(s, 3, Number.POSITIVE_INFINITY);
    regressionMetricsUpdate(s, 3, Number.NaN);
    const m = regressionMetrics(s);
    expect(m).toMatchObject({ n: 2, invalid: 2, mae: 2, rmse: 2, r2: 0 });
    expect(Object.values(m).every(Number.isFinite)).toBe(true);
    expect(() => regressionMetricsInit({ fading: 0 })).toThrow(/fading: 0 is not a fading factor in \(0, 1\]/);
  });

  it('the faded metrics show a degrading model within about 1 / (1 - fading) records, where the overall ones hardly move', () => {
    const s = regressionMetricsInit({ fading: 0.99 });
    for (let i = 0; i < 5000; i++) regressionMetricsUpdate(s, 10, 10 + (i % 2 === 0 ? 0.1 : -0.1));
    for (let i = 0; i < 300; i++) regressionMetricsUpdate(s, 10, 12);
    const m = regressionMetrics(s);
    expect(m.maeRecent).toBeGreaterThan(1.9); // 1 - 0.99^300 of the weight is on the error of 2
    expect(m.mae).toBeLessThan(0.3);
  });
});

describe('classification metrics', () => {
  it('log loss (clamped as River) and accuracy (p > 0.5 is true) equal the definitions, over everything and faded (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 200 }), fc.double({ min: 0.5, max: 1, noNaN: true }), (pairs, fading) => {
        const s = classificationMetricsInit({ fading });
        for (const [y, p] of pairs) classificationMetricsUpdate(s, y, p);
        const m = classificationMetrics(s);
        const n = pairs.length;
        const w = pairs.map((_, i) => fading ** (n - 1 - i));
        const W = w.reduce((t, x) => t + x, 0);
        const loss = ([y, p]: [boolean, number]) => {
          const q = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
          return y ? -Math.log(q) : -Math.log(1 - q);
        };
        const right = ([y, p]: [boolean, number]) => ((p > 0.5) === y ? 1 : 0);
        near(m.logLoss, pairs.reduce((t, pair) => t + loss(pair), 0) / n);
        near(m.accuracy, pairs.reduce((t, pair) => t + right(pair), 0) / n);
        near(m.logLossRecent, pairs.reduce((t, pair, i) => t + w[i]! * loss(pair), 0) / W);
        near(m.accuracyRecent, pairs.reduce((t, pair, i) => t + w[i]! * right(pair), 0) / W);
      }),
      { numRuns: 300 },
    );
  });

  it('counts probabilities outside [0, 1] as invalid and refuses labels that are not classes', () => {
    const s = classificationMetricsInit();
    classificationMetricsUpdate(s, true, Number.NaN);
    classificationMetricsUpdate(s, 1, 1.5);
    classificationMetricsUpdate(s, null, 0.3);
    classificationMetricsUpdate(s, 0, 0.3);
    expect(classificationMetrics(s)).toMatchObject({ n: 1, invalid: 2, accuracy: 1 });
    expect(() => classificationMetricsUpdate(s, 'spam', 0.3)).toThrow(/label: "spam" is not a class label/);
  });
});
