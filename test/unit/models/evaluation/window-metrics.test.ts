import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracyOf, logLossOf, maeOf, r2Of, rmseOf } from '../../../../src/models/evaluation/window-metrics.js';
import type { Aggregator } from '../../../../src/stream/ops/aggregators.js';

type Pair = { p: number | null; y: number | null };
const value = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
const pair = fc.record({ p: fc.oneof(value, fc.constant(null), fc.constant(Number.NaN)), y: fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) }) });

function run<A, R>(agg: Aggregator<Pair, A, R>, pairs: Pair[]): R {
  return agg.result(pairs.reduce((acc, v) => agg.add(acc, v), agg.init()));
}

/** The definitions over the usable pairs, computed directly. */
function exact(pairs: Pair[]) {
  const ok = pairs.filter((q): q is { p: number; y: number } => Number.isFinite(q.p) && Number.isFinite(q.y));
  const n = ok.length;
  const mean = ok.reduce((t, q) => t + q.y, 0) / n;
  const sst = ok.reduce((t, q) => t + (q.y - mean) ** 2, 0);
  const sse = ok.reduce((t, q) => t + (q.y - q.p) ** 2, 0);
  return { n, mae: ok.reduce((t, q) => t + Math.abs(q.y - q.p), 0) / n, rmse: Math.sqrt(sse / n), r2: sst > 0 ? 1 - sse / sst : 0, sst };
}

const near = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

describe('window metric aggregators', () => {
  it('MAE, RMSE and R² equal their definitions, and a merge of two halves equals the whole (property)', () => {
    const aggs = { mae: maeOf<Pair>((v) => v.p, (v) => v.y), rmse: rmseOf<Pair>((v) => v.p, (v) => v.y), r2: r2Of<Pair>((v) => v.p, (v) => v.y) };
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 100 }), fc.nat(), (pairs, cut) => {
        const e = exact(pairs);
        const k = pairs.length === 0 ? 0 : cut % pairs.length;
        for (const [name, agg] of Object.entries(aggs) as [keyof typeof aggs, Aggregator<Pair, number[], number>][]) {
          const whole = run(agg, pairs);
          const left = pairs.slice(0, k).reduce((acc, v) => agg.add(acc, v), agg.init());
          const right = pairs.slice(k).reduce((acc, v) => agg.add(acc, v), agg.init());
          const merged = agg.result(agg.merge(left, right));
          if (e.n === 0) {
            expect(whole).toBeNaN();
            expect(merged).toBeNaN();
            continue;
          }
          const rel = name === 'r2' ? 1e-6 : 1e-9;
          if (name === 'r2' && e.sst < 1e-6) continue; // R² of labels without spread is ill-conditioned
          near(whole, e[name], rel);
          near(merged, e[name], rel);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('log loss and accuracy as River computes them, skipping missing labels and probabilities outside [0, 1]', () => {
    type C = { p: number; y: boolean | null };
    const rows: C[] = [
      { p: 0.9, y: true },
      { p: 0.2, y: false },
      { p: 0.5, y: true }, // a tie predicts false, as River
      { p: 1, y: false }, // clamped: -log(1e-15)
      { p: 0.7, y: null },
      { p: 1.2, y: true },
    ];
    const loss = logLossOf<C>((r) => r.p, (r) => r.y);
    const accuracy = accuracyOf<C>((r) => r.p, (r) => r.y);
    const acc = rows.reduce((a, r) => loss.add(a, r), loss.init());
    expect(acc[0]).toBe(4);
    near(loss.result(acc), (-Math.log(0.9) - Math.log(0.8) - Math.log(0.5) - Math.log(1 - (1 - 1e-15))) / 4);
    expect(accuracy.result(rows.reduce((a, r) => accuracy.add(a, r), accuracy.init()))).toBe(2 / 4);
    expect(JSON.parse(JSON.stringify(acc))).toEqual(acc);
  });
});
