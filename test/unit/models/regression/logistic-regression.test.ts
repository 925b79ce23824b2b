import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  labelSign,
  logisticRegressionInit,
  logisticRegressionPredict,
  logisticRegressionPredictProba,
  logisticRegressionUpdate,
  type LogisticRegressionOptions,
} from '../../../../src/models/regression/logistic-regression.js';
import { mulberry32 } from '../../../../src/sources/random.js';

/** A separable world: the label is whether a linear function of features on different scales is positive. */
function world(seed: number) {
  const rand = mulberry32(seed);
  const w = [rand() - 0.5, rand() - 0.5, rand() - 0.5];
  const draw = () => ({ temperature: 20 + 10 * (rand() - 0.5), pressure: 1000 + 60 * (rand() - 0.5), vibration: 0.02 * (rand() - 0.5) });
  const label = (x: ReturnType<typeof draw>) => w[0]! * (x.temperature - 20) / 5 + w[1]! * (x.pressure - 1000) / 30 + w[2]! * x.vibration / 0.01 > 0;
  return { draw, label };
}

describe('logisticRegression', () => {
  it('learns a separable truth on features of different scales: over 95% of fresh records classified right (property over random truths)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
        const { draw, label } = world(seed);
        const model = logisticRegressionInit({ lr: 0.5, interceptLr: 0.1 });
        for (let i = 0; i < 5000; i++) {
          const x = draw();
          logisticRegressionUpdate(model, x, label(x));
        }
        let right = 0;
        for (let i = 0; i < 1000; i++) {
          const x = draw();
          if (logisticRegressionPredict(model, x) === label(x)) right++;
        }
        expect(right).toBeGreaterThan(950);
      }),
      { numRuns: 20 },
    );
  });

  it('starts at probability 0.5, takes the steps of the log loss gradient (the test’s own arithmetic) and stays within [0, 1]', () => {
    const model = logisticRegressionInit({ scale: false, lr: 0.1, interceptLr: 0.1 });
    expect(logisticRegressionPredictProba(model, { a: 3 })).toBe(0.5);
    logisticRegressionUpdate(model, { a: 2 }, true); // raw 0: gradient -1 / (e^0 + 1) = -0.5
    expect(model.weights.a).toBeCloseTo(0.1 * 0.5 * 2, 15);
    expect(model.intercept).toBeCloseTo(0.05, 15);
    const raw = 0.1 * 3 + 0.05;
    expect(logisticRegressionPredictProba(model, { a: 3 })).toBeCloseTo(1 / (1 + Math.exp(-raw)), 15);
    logisticRegressionUpdate(model, { a: 1000 }, 0);
    for (const a of [-1e6, -3, 0, 3, 1e6]) {
      const p = logisticRegressionPredictProba(model, { a });
      expect(p >= 0 && p <= 1).toBe(true);
    }
  });

  it('takes true/false and 1/0 alike, skips missing labels and refuses others naming the fix', () => {
    const a = logisticRegressionInit();
    const b = logisticRegressionInit();
    logisticRegressionUpdate(a, { x: 1 }, true);
    logisticRegressionUpdate(a, { x: 2 }, false);
    logisticRegressionUpdate(b, { x: 1 }, 1);
    logisticRegressionUpdate(b, { x: 2 }, 0);
    expect(a).toEqual(b);
    const frozen = JSON.stringify(a);
    for (const y of [null, undefined, Number.NaN]) logisticRegressionUpdate(a, { x: 3 }, y as never);
    expect(JSON.stringify(a)).toBe(frozen);
    expect(() => logisticRegressionUpdate(a, { x: 3 }, 0.7 as never)).toThrow(/label: 0.7 is not a class label; use true\/false or 1\/0/);
    expect(() => logisticRegressionUpdate(a, { x: 3 }, 'yes' as never)).toThrow(/label: "yes"/);
    expect(labelSign(true)).toBe(1);
    expect(labelSign(0)).toBe(-1);
    expect(() => logisticRegressionInit({ interceptLr: -0.1 })).toThrow(/logisticRegression.interceptLr: -0.1 is not a number >= 0/);
  });

  it('continues after a JSON round trip mid-stream with bit-identical probabilities', () => {
    for (const options of [{}, { optimizer: 'adagrad', l2: 0.001 }, { schedule: 'inverse-scaling', lr: 1 }] as LogisticRegressionOptions[]) {
      const { draw, label } = world(5);
      const rand = mulberry32(6);
      const straight = logisticRegressionInit(options);
      let restarted = logisticRegressionInit(options);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < 2000; i++) {
        if (i === 700) restarted = JSON.parse(JSON.stringify(restarted));
        const x = draw();
        const y = rand() < 0.1 ? !label(x) : label(x);
        a.push(logisticRegressionPredictProba(straight, x));
        b.push(logisticRegressionPredictProba(restarted, x));
        logisticRegressionUpdate(straight, x, y);
        logisticRegressionUpdate(restarted, x, y);
      }
      expect(b).toEqual(a);
      expect(new Set(a).size).toBeGreaterThan(1000);
    }
  });
});
