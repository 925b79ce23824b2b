import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  linearRegressionInit,
  linearRegressionPredict,
  linearRegressionUpdate,
  type LinearRegressionOptions,
} from '../../../../src/models/regression/linear-regression.js';
import { mulberry32 } from '../../../../src/sources/random.js';

type X = Record<string, number>;

/** Features on scales from 1e-2 to 1e3 and a linear truth over them, from a seed. */
function world(seed: number) {
  const rand = mulberry32(seed);
  const scales = [0.01, 1, 30, 1000];
  const offsets = [0, 20, -5, 1000];
  const weights = scales.map(() => (rand() - 0.5) * 4);
  const intercept = (rand() - 0.5) * 10;
  const names = ['vibration', 'temperature', 'humidity', 'pressure'];
  const draw = (): X => Object.fromEntries(names.map((n, j) => [n, offsets[j]! + scales[j]! * (rand() - 0.5) * 2]));
  // The truth on the features' own scales: each weight is per unit of the feature's spread.
  const truth = (x: X) => intercept + names.reduce((t, n, j) => t + (weights[j]! * (x[n]! - offsets[j]!)) / scales[j]!, 0);
  return { draw, truth };
}

function train(options: LinearRegressionOptions, seed: number, n: number) {
  const { draw, truth } = world(seed);
  const model = linearRegressionInit(options);
  for (let i = 0; i < n; i++) {
    const x = draw();
    linearRegressionUpdate(model, x, truth(x));
  }
  return { model, draw, truth };
}

describe('linearRegression', () => {
  it('converges to the truth on noiseless data, whatever the features’ scales (property over random truths)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom<LinearRegressionOptions>({ lr: 0.02, interceptLr: 0.05 }, { optimizer: 'adagrad', lr: 0.5, interceptLr: 0.05 }), (seed, options) => {
        const { model, draw, truth } = train(options, seed, 20_000);
        for (let i = 0; i < 50; i++) {
          const x = draw();
          expect(Math.abs(linearRegressionPredict(model, x) - truth(x))).toBeLessThan(0.01);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('L2 pulls each present weight towards 0 by lr * l2 * weight when the loss has no gradient, and leaves absent ones alone', () => {
    const model = linearRegressionInit({ scale: false, lr: 0.1, l2: 0.5 });
    linearRegressionUpdate(model, { a: 1, b: 2 }, 5);
    const before = { ...model.weights };
    const intercept = model.intercept;
    // y equal to the prediction: a loss gradient of 0, only the penalty moves the weights.
    const x = { a: 3 };
    linearRegressionUpdate(model, x, linearRegressionPredict(model, x));
    expect(model.weights.a).toBeCloseTo(before.a! * (1 - 0.1 * 0.5), 15);
    expect(model.weights.b).toBe(before.b);
    expect(model.intercept).toBe(intercept);
  });

  it('L2 shrinks the weights learned from a noisy stream (a larger penalty, a smaller norm)', () => {
    const norms = [0, 0.01, 0.1].map((l2) => {
      const { model } = train({ l2, lr: 0.01 }, 7, 5000);
      return Math.hypot(...Object.values(model.weights));
    });
    expect(norms[1]).toBeLessThan(norms[0]!);
    expect(norms[2]).toBeLessThan(norms[1]!);
  });

  it('starts a feature seen for the first time at weight 0 (one SGD step from 0, by the test’s own arithmetic)', () => {
    const model = linearRegressionInit({ scale: false, lr: 0.1, interceptLr: 0.2 });
    linearRegressionUpdate(model, { a: 2 }, 4); // p = 0, g = 2 (0 - 4) = -8: a = 0.1 * 8 * 2, intercept = 0.2 * 8
    expect(model.weights).toEqual({ a: 1.6 });
    expect(model.intercept).toBeCloseTo(1.6, 15);
    const p = 1.6 * 2 + 1.6 * 0 + 1.6; // b is new: weight 0
    linearRegressionUpdate(model, { a: 2, b: 3 }, 1);
    const g = 2 * (p - 1);
    expect(model.weights.b).toBeCloseTo(-0.1 * g * 3, 12);
    expect(model.weights.a).toBeCloseTo(1.6 - 0.1 * g * 2, 12);
  });

  it('skips non-finite features as if absent, and a record whose label is not a finite number entirely', () => {
    const a = linearRegressionInit();
    const b = linearRegressionInit();
    const rand = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const t = rand() * 10;
      const h = rand() * 100;
      const bad = [Number.NaN, null, undefined, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][i % 5];
      linearRegressionUpdate(a, { t, h, broken: bad }, t + h);
      linearRegressionUpdate(b, { t, h }, t + h);
      expect(linearRegressionPredict(a, { t, h, broken: bad })).toBe(linearRegressionPredict(b, { t, h }));
    }
    expect(a).toEqual(b);
    const frozen = JSON.stringify(a);
    for (const y of [Number.NaN, null, undefined, Number.POSITIVE_INFINITY]) linearRegressionUpdate(a, { t: 1, h: 2 }, y);
    expect(JSON.stringify(a)).toBe(frozen);
  });

  it('continues after a JSON round trip mid-stream with bit-identical predictions', () => {
    for (const options of [{}, { optimizer: 'adagrad', schedule: 'inverse-scaling', l2: 0.01 }, { scale: false, lr: 1e-7 }] as LinearRegressionOptions[]) {
      const { draw, truth } = world(11);
      const rand = mulberry32(12);
      const records = Array.from({ length: 2000 }, () => {
        const x = draw();
        return { x, y: truth(x) + rand() - 0.5 };
      });
      const straight = linearRegressionInit(options);
      let restarted = linearRegressionInit(options);
      const a: number[] = [];
      const b: number[] = [];
      records.forEach(({ x, y }, i) => {
        if (i === 1000) restarted = JSON.parse(JSON.stringify(restarted));
        a.push(linearRegressionPredict(straight, x));
        b.push(linearRegressionPredict(restarted, x));
        linearRegressionUpdate(straight, x, y);
        linearRegressionUpdate(restarted, x, y);
      });
      expect(b).toEqual(a);
      expect(a.some((p, i) => p !== a[i - 1])).toBe(true);
    }
  });

  it('refuses bad options and bad features with errors naming them and the fix', () => {
    expect(() => linearRegressionInit({ lr: 0 })).toThrow(/linearRegression.lr: 0 is not a number > 0/);
    expect(() => linearRegressionInit({ l2: -1 })).toThrow(/linearRegression.l2: -1 is not a number >= 0/);
    expect(() => linearRegressionInit({ optimizer: 'adam' as never })).toThrow(/linearRegression.optimizer: "adam" is not 'sgd' or 'adagrad'/);
    expect(() => linearRegressionInit({ schedule: 'step' as never })).toThrow(/linearRegression.schedule/);
    expect(() => linearRegressionInit({ power: Number.NaN })).toThrow(/linearRegression.power: NaN/);
    expect(() => linearRegressionInit({ scale: 'yes' as never })).toThrow(/linearRegression.scale: "yes" is not true or false/);
    expect(() => linearRegressionInit(5 as never)).toThrow(/linearRegression: 5 is not an options object/);
    const model = linearRegressionInit();
    expect(() => linearRegressionUpdate(model, null as never, 1)).toThrow(/features: null is not a record of named numbers/);
    expect(() => linearRegressionPredict(model, JSON.parse('{"__proto__": 2}'))).toThrow(/__proto__/);
    expect(() => linearRegressionPredict({ ...model, kind: 'logistic-regression' } as never, {})).toThrow(/linear-regression model was given a state of kind "logistic-regression"/);
    // Names that are properties of every object are ordinary features.
    linearRegressionUpdate(model, { constructor: 1, hasOwnProperty: 2 }, 3);
    expect(Object.keys(model.weights).sort()).toEqual(['constructor', 'hasOwnProperty']);
  });
});
